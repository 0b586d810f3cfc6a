import { javascript } from "@codemirror/lang-javascript";
import { Compartment, EditorState } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";
import { useEffect, useRef } from "react";

/**
 * The operator's script editor: CodeMirror 6 with JavaScript or TypeScript highlighting and line
 * numbers. Tab is left to the browser (it moves focus), so the editor never traps the keyboard;
 * the content element is labelled by the visible label `labelledBy` names.
 * Loaded lazily (its own chunk), so the rest of the console does not carry the editor.
 */
export default function OperatorCodeEditor(props: {
  id: string;
  labelledBy: string;
  describedBy?: string;
  value: string;
  language: "javascript" | "typescript";
  onChange: (value: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once; value and language are synced below
  useEffect(() => {
    const created = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          // Wrapped lines: no sideways scrolling, at 390 px either.
          EditorView.lineWrapping,
          languageSlot.current.of(javascript({ typescript: props.language === "typescript" })),
          EditorView.contentAttributes.of({
            id: props.id,
            "aria-labelledby": props.labelledBy,
            ...(props.describedBy ? { "aria-describedby": props.describedBy } : {}),
            "aria-multiline": "true",
            spellcheck: "false",
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
  }, []);

  // A value set from outside (an example chosen) replaces the document.
  useEffect(() => {
    const current = view.current;
    if (!current || current.state.doc.toString() === props.value) return;
    current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: props.value } });
  }, [props.value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: languageSlot.current.reconfigure(javascript({ typescript: props.language === "typescript" })),
    });
  }, [props.language]);

  return <div ref={host} className="op-editor" data-testid="script-editor" />;
}
