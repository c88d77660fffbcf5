// app.js does not run at all when MapLibre's files are missing (a failed
// module import): say why instead of showing an empty map. A file of its
// own, not inline: the page's Content-Security-Policy runs no inline script.
setTimeout(function () {
  if (window.cadastre) return;
  var m = document.getElementById("message");
  m.hidden = false;
  m.textContent = "Không tải được MapLibre GL JS: chạy `npm ci` trong web/ · MapLibre GL JS did not load: run `npm ci` in web/";
}, 5000);
