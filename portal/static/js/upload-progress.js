/* Upload feedback for forms marked data-upload-progress: a progress bar fed by htmx's
   htmx:xhr:progress events while the file travels, a "处理中…" note until the answer comes, and the
   form's buttons disabled meanwhile, so that a second click cannot send the file again. */
(function () {
  if (window.portalUploadProgress) { return; }
  window.portalUploadProgress = true;

  function partsOf(event) {
    var target = event.target;
    var form = target && target.closest ? target.closest("[data-upload-progress]") : null;
    return form ? {
      bar: form.querySelector("progress"),
      busy: form.querySelector(".busy"),
      buttons: form.querySelectorAll("button")
    } : null;
  }

  function waiting(parts, on) {
    if (parts.bar) { parts.bar.value = 0; parts.bar.hidden = !on; }
    if (parts.busy) { parts.busy.hidden = !on; }
    parts.buttons.forEach(function (button) { button.disabled = on; });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var parts = partsOf(event);
    if (parts) { waiting(parts, true); }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var parts = partsOf(event);
    if (parts && parts.bar && event.detail && event.detail.lengthComputable) {
      parts.bar.value = Math.round(event.detail.loaded * 100 / event.detail.total);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var parts = partsOf(event);
    if (parts) { waiting(parts, false); }
  });
})();
