// Opened from disk (file://), a browser runs no search index and the "Try it"
// page cannot fetch its networks. Say so at the top of every page, rather
// than leaving search silently empty.
document$.subscribe(function () {
  const content = document.querySelector(".md-content__inner");
  if (location.protocol !== "file:" || !content || content.querySelector(".book-local-file")) return;
  const note = document.createElement("div");
  note.className = "admonition warning book-local-file";
  note.innerHTML =
    '<p class="admonition-title">Opened from a file</p>' +
    "<p>Search and the <em>Try it</em> page need the book served over HTTP: run " +
    "<code>mkdocs serve</code> in the repository, or <code>python -m http.server</code> " +
    "in the built site folder, and open the address it prints.</p>";
  content.prepend(note);
});
