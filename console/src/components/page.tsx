import type { ReactNode } from "react";
import { type Loaded, Show } from "./common.tsx";

/** A page: its title (which labels the section), an introduction, then its content. */
export function PageSection(props: { id: string; title: string; intro: string; children: ReactNode }) {
  return (
    <section aria-labelledby={props.id}>
      <h1 id={props.id}>{props.title}</h1>
      <p className="muted">{props.intro}</p>
      {props.children}
    </section>
  );
}

/** A one-line notice after an action, read out by screen readers; nothing while there is none. */
export function Notice(props: { message: ReactNode }) {
  if (!props.message) return null;
  return (
    <p className="notice" role="status">
      {props.message}
    </p>
  );
}

/** Loaded items as a single column of cards, or `empty` when there are none. */
export function CardList<T, I>(props: {
  loaded: Loaded<T>;
  retry?: () => void;
  items: (value: T) => readonly I[];
  empty: ReactNode;
  children: (item: I) => ReactNode;
}) {
  return (
    <Show loaded={props.loaded} retry={props.retry}>
      {(value) => {
        const items = props.items(value);
        return items.length === 0 ? (
          props.empty
        ) : (
          <ul className="cards single">{items.map(props.children)}</ul>
        );
      }}
    </Show>
  );
}
