// Starts Det Fælles Designsystem's components. Kept in a file (not inline) because the
// Content-Security-Policy allows scripts from this site only.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS && typeof window.DKFDS.init === "function") {
    window.DKFDS.init();
  }
  // Print buttons (the roadmap): without script they are hidden and the browser's own
  // print works the same.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  wireCodeSearch(document);
  // htmx swaps the cohort builder in anew after every button: wire its new fields too.
  document.body.addEventListener("htmx:load", function (e) { wireCodeSearch(e.target); });
  // The application form sent with "Save" or "Submit" comes back in place: with errors,
  // focus moves to the list of them, as after a whole page.
  document.body.addEventListener("htmx:afterSettle", function (e) {
    var by = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    if (!by || by.name !== "_action") { return; }
    var listed = document.querySelector("[data-testid='form-errors']");
    if (listed) { listed.focus(); }
  });
  // A form that comes back with errors: move focus to the list of them.
  var errors = document.querySelector("[data-testid='roadmap-errors'], [data-testid='form-errors']");
  if (errors) { errors.focus(); }
});

// Code fields of the cohort builder: the page lists the codes in common use; as one types,
// the full lists (all ICD-10, ATC and SKS codes, Danish and English labels) are searched
// for the code being written. Without script the common codes and typing any code work.
function wireCodeSearch(root) {
  var systems = { "codes-icd10": "icd10", "codes-atc": "atc", "codes-sks": "sks", "codes-npu": "npu" };
  root.querySelectorAll("input.ork-codes[list]").forEach(function (input) {
    if (input.dataset.codeSearch) { return; }
    input.dataset.codeSearch = "on";
    var system = systems[input.getAttribute("list")];
    if (!system) { return; }
    var found = document.createElement("datalist");
    found.id = input.id + "-found";
    input.after(found);
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value;
        var cut = Math.max(value.lastIndexOf(","), value.lastIndexOf(" "));
        var before = value.slice(0, cut + 1);
        var term = value.slice(cut + 1).trim();
        if (term.length < 2 || term === asked) { return; }
        asked = term;
        var url = "/api/v1/quicktests/codes?system=" + system + "&limit=30&q=" + encodeURIComponent(term);
        fetch(url, { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (codes) {
            var da = document.documentElement.lang !== "en";
            found.replaceChildren.apply(found, codes.map(function (c) {
              var o = document.createElement("option");
              o.value = before + c.code;
              var first = da ? (c.label_da || c.label_en) : (c.label_en || c.label_da);
              o.label = c.code + " – " + first;
              return o;
            }));
            if (codes.length) { input.setAttribute("list", found.id); }
          })
          .catch(function () { /* the common list stays */ });
      }, 200);
    });
  });
}
