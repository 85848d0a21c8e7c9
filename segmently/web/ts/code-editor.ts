// The code editor island (CodeMirror 6), loaded lazily by the wizard when a CSS, JavaScript or
// HTML change is on screen. It enhances a <textarea>: the textarea stays the source of truth
// (it receives every edit and an "input" event), so the wizard never depends on this bundle.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { css } from "@codemirror/lang-css";
import { html } from "@codemirror/lang-html";
import { javascript } from "@codemirror/lang-javascript";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, drawSelection, keymap, lineNumbers, placeholder } from "@codemirror/view";

function language(name: string): Extension {
  if (name === "js") return javascript();
  if (name === "html") return html();
  return css();
}

function mount(textarea: HTMLTextAreaElement, lang: string): { destroy(): void } {
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        placeholder(textarea.placeholder || ""),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({
          "aria-label": textarea.labels?.[0]?.textContent || "Code",
          "data-language": lang,
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        }),
      ],
    }),
  });
  view.dom.classList.add("code-editor");
  textarea.hidden = true;
  textarea.after(view.dom);
  // A click on the textarea's <label> focuses the editor instead.
  const label = textarea.labels?.[0];
  const focus = (): void => view.focus();
  label?.addEventListener("click", focus);
  return {
    destroy(): void {
      label?.removeEventListener("click", focus);
      view.destroy();
      textarea.hidden = false;
    },
  };
}

window.SegmentlyCodeEditor = { mount };

declare global {
  interface Window {
    SegmentlyCodeEditor?: { mount(textarea: HTMLTextAreaElement, language: string): { destroy(): void } };
  }
}
