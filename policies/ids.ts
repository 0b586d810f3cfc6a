import { z } from "zod";

/**
 * What an id may hold: letters and digits of any script, then also `.`, `_`, `:`, `-`; at most 100
 * characters. No spaces, slashes, control or bidirectional characters: an id is echoed in paths,
 * logs, terminals and signed records, where those would read as something else.
 */
export const ID_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._:-]{0,99}$/u;

/** An id a caller chooses or names (a license's id, the operator a license is for). */
export const ObjectId = z
  .string()
  .regex(
    ID_PATTERN,
    "ids are 1 to 100 letters or digits, then also '.', '_', ':' or '-' (no spaces or control characters)",
  );
