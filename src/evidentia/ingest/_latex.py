"""LaTeX text in BibTeX fields to plain Unicode: ``{\\"o}`` -> ``ö``, ``\\&`` -> ``&``.

A small table, not a TeX engine: accents over letters, the usual named letters (``\\ss``,
``\\o``, ``\\aa`` ...), escaped specials, dashes, Greek letters in math, and formatting commands
whose argument is kept (``\\emph{x}`` -> ``x``). Unknown commands are dropped, braces removed.
"""

from __future__ import annotations

import html
import re
import unicodedata

from ._common import clean_text

# accent command -> combining character
_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "textendash": "–", "textemdash": "—", "ldots": "…",
    "dots": "…", "textregistered": "®", "texttrademark": "™", "copyright": "©",
    "textdegree": "°", "degree": "°", "pm": "±", "times": "×", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "approx": "≈", "sim": "~", "infty": "∞",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_ESCAPES = {"&": "&", "%": "%", "$": "\ue000", "#": "#", "_": "_", "{": "\ue001", "}": "\ue002",
            " ": " ", ",": " ", ";": " ", "!": "", "-": "", "/": ""}

_ACCENT_SYMBOL = re.compile(r"""\\(["'`^~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))""")
_ACCENT_LETTER = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))")
_ESCAPE = re.compile(r"\\([&%$#_{} ,;!/-])")
_COMMAND = re.compile(r"\\([A-Za-z]+)\*?\s*")
_MATH = re.compile(r"\$([^$]*)\$")


def latex_to_text(value: str) -> str:
    """Plain text of a BibTeX field value."""
    text = _ACCENT_SYMBOL.sub(_accent, value)
    text = _ACCENT_LETTER.sub(_accent, text)
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text)
    text = text.replace("\\\\", " ")
    text = _MATH.sub(lambda m: m.group(1).replace("^", "").replace("_", ""), text)
    text = _COMMAND.sub(_command, text)
    text = text.replace("---", "—").replace("--", "–").replace("~", " ")
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    text = text.replace("\ue000", "$").replace("\ue001", "{").replace("\ue002", "}")
    return clean_text(html.unescape(text))


def _accent(match: re.Match[str]) -> str:
    base = match.group(2) or match.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + _ACCENTS[match.group(1)])


def _command(match: re.Match[str]) -> str:
    """A named letter becomes itself; any other command vanishes and leaves its argument."""
    return _LETTERS.get(match.group(1), "")
