// Samarbeid: small progressive enhancements. Everything works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions: <form data-confirm="Er du sikker?">
  document.body.addEventListener("submit", (event) => {
    const message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.querySelectorAll("[data-picker]").forEach(picker);
});

// Pickers (samarbeid/widgets.py): typing in the search box hides the options that do not match; chosen
// checkboxes stay in view, and a line says which are chosen. Short lists have no search box.
function picker(root) {
  const search = root.querySelector("[data-picker-search]");
  const input = search?.querySelector("input");
  const status = root.querySelector("[data-picker-status]");
  const chosen = root.querySelector("[data-picker-chosen]");
  const options = [...root.querySelectorAll("option, [data-picker-option]")].filter((o) => o.value !== "");
  const groups = [...root.querySelectorAll("optgroup, [data-picker-group]")];
  const fold = (text) => text.trim().toLocaleLowerCase("nb");
  const checkbox = (option) => option.querySelector("input");
  const label = (option) => option.textContent.trim();
  const filter = () => {
    const wanted = fold(input.value);
    let shown = 0;
    for (const option of options) {
      const visible = !wanted || fold(label(option)).includes(wanted) || (checkbox(option)?.checked ?? false);
      option.hidden = !visible;
      if (visible) shown += 1;
    }
    for (const group of groups) {
      group.hidden = ![...group.querySelectorAll("option, [data-picker-option]")].some((o) => !o.hidden);
    }
    status.textContent = wanted
      ? status.dataset.text.replace("{shown}", shown).replace("{total}", options.length)
      : "";
  };
  const summarise = () => {
    const names = options.filter((o) => checkbox(o).checked).map(label);
    chosen.textContent = names.length
      ? chosen.dataset.text.replace("{count}", names.length).replace("{names}", names.join(", "))
      : chosen.dataset.none;
  };
  if (search) {
    search.hidden = false;
    input.addEventListener("input", filter);
  }
  if (chosen) {
    chosen.hidden = false;
    root.addEventListener("change", summarise);
    summarise();
  }
}
