// The notices' 打印 button: the browser's own print dialog (print.css keeps the menu and buttons off paper).
// Delegated once per page load, so a boosted navigation that runs this file again adds no second listener.
if (!window.noticesPrintBound) {
  window.noticesPrintBound = true;
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
}
