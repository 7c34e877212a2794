/* Upload feedback for forms marked data-upload-progress: a progress bar fed by htmx's
   htmx:xhr:progress events while the file travels, and a "处理中…" note until the answer comes. */
(function () {
  if (window.portalUploadProgress) { return; }
  window.portalUploadProgress = true;

  function partsOf(event) {
    var target = event.target;
    var form = target && target.closest ? target.closest("[data-upload-progress]") : null;
    return form ? { bar: form.querySelector("progress"), busy: form.querySelector(".busy") } : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var parts = partsOf(event);
    if (!parts) { return; }
    if (parts.bar) { parts.bar.value = 0; parts.bar.hidden = false; }
    if (parts.busy) { parts.busy.hidden = false; }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var parts = partsOf(event);
    if (parts && parts.bar && event.detail && event.detail.lengthComputable) {
      parts.bar.value = Math.round(event.detail.loaded * 100 / event.detail.total);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var parts = partsOf(event);
    if (!parts) { return; }
    if (parts.bar) { parts.bar.hidden = true; }
    if (parts.busy) { parts.busy.hidden = true; }
  });
})();
