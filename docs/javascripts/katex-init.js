// Typeset the book's math with the KaTeX copy that the site serves itself
// (book/hooks.py copies it to assets/katex/). pymdownx.arithmatex, in its
// "generic" mode, writes each formula as \( ... \) inline or \[ ... \] on its
// own line, inside an element of class "arithmatex". The table of contents
// repeats headings as plain text, math included, so the whole page is
// rendered, not only the .arithmatex elements; code and pre are skipped.
function typesetMath(root) {
  renderMathInElement(root, {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false, // a bad formula shows in red (.katex-error), the page still loads
  });
}

// Material's document$ fires once per page load (and again after each page
// change if navigation.instant is ever turned on).
document$.subscribe(function () {
  typesetMath(document.body);
});
