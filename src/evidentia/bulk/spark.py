"""Starting Spark for a build, and the few file-system calls a build needs (through Hadoop).

``spark_session`` reuses a running session (spark-submit, a notebook, a test) and otherwise
starts one from ``BulkSettings``: the master (``local[2]`` by default), a small driver, the UI
off, executors running this interpreter (``PYSPARK_PYTHON``) and, on a local master, only the
loopback interface (``SPARK_LOCAL_IP=127.0.0.1``). Nothing is downloaded: no ``--packages``.

File operations go through Hadoop's ``FileSystem`` on the driver, so inputs and outputs may be
local paths, ``hdfs://`` or whatever object store the cluster's Hadoop is configured for.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from ..config import BulkSettings
from ..errors import ConfigError, InputError

INSTALL_HINT = "install Apache Spark for Python (pip install pyspark) and Java 17 or newer"


def spark_session(settings: BulkSettings) -> tuple[Any, bool]:
    """(session, started here): a running session is reused and left running."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("bulk builds need pyspark", hint=INSTALL_HINT) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # launched by spark-submit
    if not submitted:
        _prepare_local(settings)
    builder = SparkSession.builder.appName("evidentia-bulk")
    if not submitted:
        builder = builder.master(settings.spark_master).config(
            "spark.driver.memory", settings.driver_memory)
    builder = builder.config("spark.ui.enabled", "true" if settings.spark_ui else "false").config(
        "spark.ui.showConsoleProgress", "false")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - py4j and pyspark raise many kinds
        raise ConfigError(f"cannot start Spark ({settings.spark_master}): {exc}",
                          hint=INSTALL_HINT) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


def _prepare_local(settings: BulkSettings) -> None:
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ConfigError("bulk builds need Java (none on PATH, no JAVA_HOME)", hint=INSTALL_HINT)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if settings.spark_master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


class HadoopFs:
    """The driver's view of the file systems Spark reads and writes."""

    def __init__(self, spark: Any) -> None:
        self._jvm = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        # No .crc side files next to local outputs (the output is checked by its manifest).
        self._jvm.org.apache.hadoop.fs.FileSystem.getLocal(self._conf).setWriteChecksum(False)

    def _path(self, path: str) -> tuple[Any, Any]:
        jpath = self._jvm.org.apache.hadoop.fs.Path(path)
        return jpath, jpath.getFileSystem(self._conf)

    def qualified(self, path: str) -> str:
        jpath, fs = self._path(path)
        return str(fs.makeQualified(jpath).toString())

    def expand(self, pattern: str) -> list[tuple[str, int]]:
        """(URI, size) of the files a path, folder (recursively) or glob names, sorted by path."""
        jpath, fs = self._path(pattern)
        matches = fs.globStatus(jpath)
        if not matches:
            raise InputError(f"{pattern}: no such file or folder", hint="check the path")
        found: list[tuple[str, int]] = []
        for status in matches:
            if status.isDirectory():
                files = fs.listFiles(status.getPath(), True)
                while files.hasNext():
                    found.append(_entry(files.next()))
            else:
                found.append(_entry(status))
        return sorted(entry for entry in found if not _hidden(entry[0]))

    def exists(self, path: str) -> bool:
        jpath, fs = self._path(path)
        return bool(fs.exists(jpath))

    def list_names(self, folder: str) -> list[str]:
        jpath, fs = self._path(folder)
        if not fs.exists(jpath):
            return []
        return sorted(str(status.getPath().getName()) for status in fs.listStatus(jpath))

    def rename(self, source: str, target: str) -> None:
        jsource, fs = self._path(source)
        if not fs.rename(jsource, self._jvm.org.apache.hadoop.fs.Path(target)):
            raise InputError(f"cannot rename {source} to {target}", hint="check the output folder")

    def delete(self, path: str) -> None:
        jpath, fs = self._path(path)
        if fs.exists(jpath):
            fs.delete(jpath, True)

    def mkdirs(self, path: str) -> None:
        jpath, fs = self._path(path)
        fs.mkdirs(jpath)

    def read_json(self, path: str) -> Any:
        """A small JSON file read whole (None when it is missing or not JSON)."""
        import json

        jpath, fs = self._path(path)
        if not fs.exists(jpath):
            return None
        stream = fs.open(jpath)
        try:
            text = self._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
        finally:
            stream.close()
        try:
            return json.loads(str(text))
        except ValueError:
            return None

    def write_text(self, path: str, text: str) -> None:
        """Write a small file whole: to ``path.tmp`` first, then renamed over ``path``."""
        temp = f"{path}.tmp"
        jpath, fs = self._path(temp)
        stream = fs.create(jpath, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
        self.delete(path)
        self.rename(temp, path)


def _entry(status: Any) -> tuple[str, int]:
    return str(status.getPath().toString()), int(status.getLen())


def _hidden(uri: str) -> bool:
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith((".", "_"))
