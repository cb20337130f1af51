// A tapped image placeholder (courses/blocks/image.html) becomes its picture in place.
document.addEventListener("click", function (e) {
  var a = e.target.closest && e.target.closest("a[data-image]"),
    t = a && a.nextElementSibling;
  if (t && t.content) {
    e.preventDefault();
    a.parentNode.replaceChild(document.importNode(t.content, true), a);
  }
});
