// linkgate console: ask before forms that change what every replica serves;
// a click on a policy problem selects its line in the editor.
(function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
  var editor = document.getElementById("policy-text");
  document.querySelectorAll("li[data-line] a.goto").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!editor) { return; }
      event.preventDefault();
      var item = link.parentNode;
      var line = parseInt(item.getAttribute("data-line"), 10);
      var column = parseInt(item.getAttribute("data-column"), 10) || 1;
      var lines = editor.value.split("\n");
      var start = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
      var end = start + (lines[line - 1] || "").length;
      editor.focus();
      editor.setSelectionRange(Math.min(start + column - 1, end), end);
      var height = editor.scrollHeight / Math.max(lines.length, 1);
      editor.scrollTop = Math.max(0, (line - 3) * height);
    });
  });
})();
