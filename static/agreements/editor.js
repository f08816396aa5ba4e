// Agreements: a small rich-text editor on top of a plain <textarea data-rich-editor> (which stays the
// fallback without JavaScript), and a warning before leaving a form with unsaved changes.
(() => {
  "use strict";

  const dirtyForms = new Set();

  const BLOCKS = /^(P|UL|OL|TABLE)$/;

  // The HTML to save: loose text and inline elements at the top level are put in paragraphs
  // (on a copy, so that the caret in the live editor is left alone).
  function serialise(area) {
    const copy = area.cloneNode(true);
    let paragraph = null;
    [...copy.childNodes].forEach((node) => {
      const isBlock = node.nodeType === Node.ELEMENT_NODE && BLOCKS.test(node.nodeName);
      if (isBlock) {
        paragraph = null;
      } else if (node.nodeType === Node.ELEMENT_NODE || node.textContent.trim()) {
        if (!paragraph) {
          paragraph = document.createElement("p");
          node.before(paragraph);
        }
        paragraph.append(node);
      }
    });
    return copy.innerHTML;
  }

  function sync(area, textarea) {
    textarea.value = serialise(area);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function updatePressed(toolbar) {
    toolbar.querySelectorAll("[aria-pressed]").forEach((button) => {
      button.setAttribute("aria-pressed", String(document.queryCommandState(button.dataset.command)));
    });
  }

  function enhance(wrapper) {
    if (wrapper.dataset.enhanced) return;
    wrapper.dataset.enhanced = "true";
    const textarea = wrapper.querySelector("textarea");
    const toolbar = wrapper.querySelector("[data-editor-toolbar]");
    const hint = wrapper.querySelector("[data-editor-hint]");
    const label = textarea.labels && textarea.labels[0];

    const area = document.createElement("div");
    area.className = "rich-editor__area ds-input";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    if (label) {
      label.id = label.id || `${textarea.id}-label`;
      area.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", () => area.focus());
    }
    area.innerHTML = textarea.dataset.html ?? textarea.value; // the textarea may hold the plain-text form
    textarea.hidden = true;
    if (hint) hint.hidden = true;
    toolbar.hidden = false;
    textarea.after(area);
    document.execCommand("defaultParagraphSeparator", false, "p");

    area.addEventListener("focus", () => {
      if (!area.innerHTML.trim()) area.innerHTML = "<p><br></p>";
    });
    area.addEventListener("input", () => {
      // Text typed straight into the editor belongs in a paragraph.
      if (area.firstChild && area.firstChild.nodeType === Node.TEXT_NODE) document.execCommand("formatBlock", false, "p");
      sync(area, textarea);
    });
    area.addEventListener("keyup", () => updatePressed(toolbar));
    area.addEventListener("mouseup", () => updatePressed(toolbar));
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-command]");
      if (!button) return;
      area.focus();
      let value = button.dataset.value || null;
      if (button.dataset.command === "createLink") {
        value = window.prompt(button.dataset.prompt, "https://");
        if (!value || !/^(https?:|mailto:|tel:)/i.test(value)) return;
      }
      document.execCommand(button.dataset.command, false, value);
      sync(area, textarea);
      updatePressed(toolbar);
    });
  }

  function init(root) {
    root.querySelectorAll("[data-rich-editor-wrapper]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  // Forms swapped in by htmx (inline section editing).
  document.addEventListener("htmx:load", (event) => init(event.target));

  // Unsaved changes: remember forms with edits until they are submitted or removed from the page.
  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("form[data-warn-unsaved]");
    if (form) dirtyForms.add(form);
  });
  document.addEventListener("submit", (event) => dirtyForms.delete(event.target), true);
  document.addEventListener("click", (event) => {
    const discard = event.target.closest && event.target.closest("[data-discard-unsaved]");
    if (discard) dirtyForms.delete(discard.closest("form"));
  }, true);
  window.addEventListener("beforeunload", (event) => {
    const unsaved = [...dirtyForms].some((form) => document.contains(form));
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
