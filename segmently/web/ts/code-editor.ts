// The code editor island (CodeMirror 6), loaded lazily by the wizard when a CSS, JavaScript or
// HTML change is on screen. It enhances a <textarea>: the textarea stays the source of truth
// (it receives every edit and an "input" event), so the wizard never depends on this bundle.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { css, cssLanguage } from "@codemirror/lang-css";
import { html } from "@codemirror/lang-html";
import { javascript } from "@codemirror/lang-javascript";
import {
  HighlightStyle,
  LanguageSupport,
  bracketMatching,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, drawSelection, keymap, lineNumbers, placeholder } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

// Readable on white, and every token kind of CSS, JS and HTML gets a colour.
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.definitionKeyword, t.operatorKeyword, t.modifier, t.controlKeyword], color: "#7c3aed" },
  { tag: [t.propertyName, t.attributeName], color: "#0550ae" },
  { tag: [t.tagName, t.angleBracket], color: "#116329" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "#a31515" },
  { tag: [t.number, t.unit, t.color, t.bool, t.null], color: "#b45309" },
  { tag: [t.atom, t.labelName, t.className, t.constant(t.className)], color: "#0e7490" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "#6f42c1" },
  { tag: t.definition(t.variableName), color: "#1d4ed8" },
  { tag: t.comment, color: "#6b7280", fontStyle: "italic" },
  { tag: t.invalid, color: "#dc2626" },
]);

// With a selector, a CSS change holds declarations only ("color: red;"), as in a style attribute.
const cssDeclarations = new LanguageSupport(cssLanguage.configure({ top: "Styles" }));

function language(name: string): Extension {
  if (name === "js") return javascript();
  if (name === "html") return html();
  if (name === "css-declarations") return cssDeclarations;
  return css();
}

interface Handle {
  destroy(): void;
  setLanguage(lang: string): void;
}

function mount(textarea: HTMLTextAreaElement, lang: string): Handle {
  const languageSlot = new Compartment();
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        languageSlot.of(language(lang)),
        lineNumbers(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(highlight),
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
    setLanguage(next: string): void {
      view.dispatch({ effects: languageSlot.reconfigure(language(next)) });
    },
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
    SegmentlyCodeEditor?: { mount(textarea: HTMLTextAreaElement, language: string): Handle };
  }
}
