import type { ReactNode } from "react";

/**
 * A sideways-scrolling region that the keyboard can reach and scroll (a wide table), named for
 * screen readers (a named section is a region). The table inside does not scroll itself (see
 * `.op-scroll` in styles.css).
 */
export function ScrollRegion(props: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable to be scrolled by keyboard
    <section className="op-scroll" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}
