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

// Search results quote the page's text, formulas as their TeX source, and
// highlight the words searched for with <mark> even inside a formula. Take
// the marks out of each formula (KaTeX could not read it otherwise), shown
// inline, then typeset the result like the page.
function typesetSearchResult(item) {
  if (item.dataset.typeset) return; // our own changes below are mutations too
  item.dataset.typeset = "yes";
  item.innerHTML = item.innerHTML.replace(/\\[([][\s\S]*?\\[)\]]/g, function (formula) {
    return formula.replace(/<\/?mark>/g, "").replace(/\\tag\{[^}]*\}/g, "") // a number needs display
      .replace(/^\\\[/, "\\(").replace(/\\\]$/, "\\)");
  });
  typesetMath(item);
}

function watchSearchResults() {
  const list = document.querySelector(".md-search-result__list");
  if (!list) return;
  new MutationObserver(function (changes) {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE && node.matches(".md-search-result__item")) {
          typesetSearchResult(node);
        }
      }
    }
  }).observe(list, { childList: true });
}

// A line must not start with the full stop after a formula: wrap each short
// inline formula with the punctuation that follows it in a span that does not
// break. A long one keeps its own places to break (after = and +), which a
// span that does not break would take away.
function keepPunctuation(root) {
  // Measure every formula first, then wrap: a measurement after each change to the
  // page would make the browser lay the page out again each time (slow on a long page).
  const short = [...root.querySelectorAll(".arithmatex > .katex, span.arithmatex .katex")]
    .map(math => math.closest("span.arithmatex") || math)
    .filter(holder => holder.getBoundingClientRect().width <=
                      (holder.closest("p, li, td, dd") || root).clientWidth / 3);
  for (const holder of short) {
    const next = holder.nextSibling;
    if (!next || next.nodeType !== Node.TEXT_NODE) continue;
    const stop = next.data.match(/^[.,;:!?)\]]+/);
    if (!stop) continue;
    const span = document.createElement("span");
    span.className = "book-nowrap";
    holder.replaceWith(span);
    span.append(holder, stop[0]);
    next.data = next.data.slice(stop[0].length);
  }
}

// Material's document$ fires once per page load (and again after each page
// change if navigation.instant is ever turned on).
document$.subscribe(function () {
  typesetMath(document.body);
  keepPunctuation(document.body);
  watchSearchResults();
});
