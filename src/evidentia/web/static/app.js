// evidentia: progressive enhancement only. Every form works without this file (the server
// redirects to a self-refreshing job page); with it, the page shows live progress instead.
// Text is only ever set with textContent: nothing from the server is parsed as HTML.
"use strict";

(function () {
  const POLL_MS = 700;

  function panelOf(form) {
    return {
      box: form.querySelector(".progress-panel"),
      title: form.querySelector("#progress-title"),
      elapsed: form.querySelector("#progress-elapsed"),
      bar: form.querySelector("progress"),
      stage: form.querySelector("#progress-stage"),
      error: form.querySelector(".form-error"),
    };
  }

  function showError(panel, message) {
    if (panel.box) panel.box.hidden = true;
    if (panel.error) {
      panel.error.textContent = message;
      panel.error.hidden = false;
    }
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = busy; });
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  async function errorMessage(response) {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      if (body && body.error && body.error.message) return body.error.message;
    } catch (ignored) { /* not JSON: an error page */ }
    // The error page's message, read as text from an inert document (DOMParser runs no script).
    const notice = new DOMParser().parseFromString(text, "text/html").querySelector(".error-page .notice");
    if (notice && notice.textContent.trim()) return notice.textContent.trim();
    return "The server answered " + response.status + ". Please try again.";
  }

  const JOB_TITLES = { ask: "Preparing your report", add: "Adding records", index: "Building the embedding index" };

  function showJob(panel, job) {
    panel.box.hidden = false;
    if (panel.title) panel.title.textContent = JOB_TITLES[job.kind] || "Working";
    if (panel.elapsed) panel.elapsed.textContent = job.elapsed_s.toFixed(1) + " s";
    if (panel.stage) panel.stage.textContent = job.stage.charAt(0).toUpperCase() + job.stage.slice(1);
    if (panel.bar && job.total_units) {
      panel.bar.max = job.total_units;
      panel.bar.value = job.done_units;
    } else if (panel.bar) {
      panel.bar.removeAttribute("value");
    }
  }

  async function pollJob(form, panel, job) {
    showJob(panel, job);
    while (job.status === "queued" || job.status === "running") {
      await new Promise(function (resolve) { setTimeout(resolve, POLL_MS); });
      const response = await fetch(job.status_url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(await errorMessage(response));
      job = await response.json();
      showJob(panel, job);
    }
    if (job.status === "failed") throw new Error(job.error ? job.error.message : "The job failed.");
    window.location.assign(job.kind === "ask" && job.result_url ? job.result_url : job.page_url);
  }

  async function submitJobForm(event) {
    const form = event.currentTarget;
    const panel = panelOf(form);
    if (!panel.box || !window.fetch) return; // let the browser post the form
    event.preventDefault();
    setBusy(form, true);
    if (panel.error) panel.error.hidden = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
      });
      if (response.status !== 202) throw new Error(await errorMessage(response));
      await pollJob(form, panel, await response.json());
    } catch (error) {
      showError(panel, error.message || String(error));
      setBusy(form, false);
    }
  }

  function uploadWithProgress(form, panel) {
    return new Promise(function (resolve, reject) {
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        panel.bar.max = event.total;
        panel.bar.value = event.loaded;
        panel.stage.textContent = "Uploaded " + Math.round((100 * event.loaded) / event.total) + "%";
      });
      request.addEventListener("load", function () {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch (ignored) { /* not JSON */ }
        if (request.status === 202 && body) resolve(body);
        else reject(new Error(body && body.error ? body.error.message : "Upload failed (" + request.status + ")."));
      });
      request.addEventListener("error", function () { reject(new Error("The upload was interrupted.")); });
      request.send(new FormData(form));
    });
  }

  async function submitUploadForm(event) {
    const form = event.currentTarget;
    const panel = panelOf(form);
    const input = form.querySelector("input[type=file]");
    const limit = Number(form.dataset.maxBytes || 0);
    if (!panel.box || !input || !input.files.length) return;
    event.preventDefault();
    if (limit && input.files[0].size > limit) {
      showError(panel, "That file is larger than the upload limit; split it or add it with `evidentia add`.");
      return;
    }
    setBusy(form, true);
    if (panel.error) panel.error.hidden = true;
    panel.box.hidden = false;
    panel.title.textContent = "Uploading " + input.files[0].name;
    try {
      await pollJob(form, panel, await uploadWithProgress(form, panel));
    } catch (error) {
      showError(panel, error.message || String(error));
      setBusy(form, false);
    }
  }

  // A form whose file must stay under the request limit: say so before sending it.
  function checkFileSize(event) {
    const form = event.currentTarget;
    const input = form.querySelector("input[type=file]");
    const limit = Number(form.dataset.maxBytes || 0);
    const error = form.querySelector(".form-error");
    if (error) error.hidden = true;
    if (!limit || !input || !input.files.length || input.files[0].size <= limit) return;
    event.preventDefault();
    if (error) {
      error.textContent = "That file is larger than the limit; split it or use the command line.";
      error.hidden = false;
    }
  }

  document.querySelectorAll("form[data-size-form]").forEach(function (form) {
    form.addEventListener("submit", checkFileSize);
  });
  document.querySelectorAll("form[data-job-form]").forEach(function (form) {
    form.addEventListener("submit", submitJobForm);
  });
  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    form.addEventListener("submit", submitUploadForm);
  });
})();
