import { type ReactNode, useState } from "react";
import { useI18n } from "../i18n.ts";
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

/**
 * Where a cursor-paged list is: the cursor of each page shown so far (the last is the current
 * page's; `undefined` asks for the first), so going on needs only the list's `next`.
 */
export interface CursorPages<C> {
  readonly cursor: C | undefined;
  /** The current page's number, from 1. */
  readonly number: number;
  readonly next: (cursor: C) => void;
  readonly first: () => void;
}

export function useCursorPages<C>(): CursorPages<C> {
  const [cursors, setCursors] = useState<readonly (C | undefined)[]>([undefined]);
  return {
    cursor: cursors.at(-1),
    number: cursors.length,
    next: (cursor) => setCursors((shown) => [...shown, cursor]),
    first: () => setCursors([undefined]),
  };
}

/** First page and next page under a cursor-paged list; `next` is the list's cursor of the next page. */
export function Pager<C>(props: { pages: CursorPages<C>; next: C | null }) {
  const { t } = useI18n();
  const { pages, next } = props;
  return (
    <nav className="pager" aria-label={t("common.page", { n: pages.number })}>
      <button type="button" className="secondary" disabled={pages.number === 1} onClick={pages.first}>
        {t("common.firstPage")}
      </button>
      <button type="button" disabled={next === null} onClick={() => next !== null && pages.next(next)}>
        {t("common.nextPage")}
      </button>
    </nav>
  );
}
