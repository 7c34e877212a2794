// A button marked data-print prints the page (no inline handler: the CSP allows scripts from 'self' only).
// Bound once on the document, so pages swapped in by htmx need nothing more.
if (!window.printButtonBound) {
  window.printButtonBound = true;
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
}
