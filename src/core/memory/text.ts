// Text handling for memories: the fingerprint that finds the same text stored twice, the words an FTS5 query is made
// of, the word-set similarity that finds near duplicates without embeddings, and a default summary.

/** Lowercase words and numbers, Unicode-aware (NFKC folds compatibility forms such as full-width letters). */
export function wordsOf(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The content with case, punctuation and spacing removed: two texts with the same fingerprint say the same thing. */
export const fingerprintOf = (text: string): string => wordsOf(text).join(" ");

// Words that match nearly every memory: an OR query over them would score the whole table and rank by noise.
const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it its " +
    "me my no not of on or our she so than that the their them then there these they this to too up us was we were what " +
    "when where which who why will with would you your about after again all also am any because before being both each " +
    "few more most other over own same should some such just only very s t don now ok yes hi hello please thanks tell know"
  ).split(" "),
);

/** At most this many words go into one FTS5 query (long messages would otherwise match everything). */
const MAX_QUERY_WORDS = 16;

/** The words of a text worth searching for: no stopwords, no single letters, each once, at most MAX_QUERY_WORDS. */
export function queryWordsOf(text: string): string[] {
  const seen = new Set<string>();
  for (const word of wordsOf(text)) {
    if (STOPWORDS.has(word) || (word.length < 2 && !/\d/.test(word))) continue;
    seen.add(word);
    if (seen.size >= MAX_QUERY_WORDS) break;
  }
  return [...seen];
}

/**
 * An FTS5 query matching any of the text's meaningful words, each quoted (so FTS5 syntax in user text is inert);
 * BM25 then ranks memories that match more and rarer words first. Undefined when no word is left.
 */
export function ftsQueryOf(text: string): string | undefined {
  const words = queryWordsOf(text);
  return words.length ? words.map((w) => `"${w}"`).join(" OR ") : undefined;
}

/** Letters two words must share at the start to count as one (deploy/deployments, allergy/allergic). */
const STEM = 5;

/** The share of the query words found in the text, counting words with a common beginning as the same word. */
export function coverageOf(queryWords: string[], text: string): number {
  if (queryWords.length === 0) return 0;
  const words = wordsOf(text);
  let found = 0;
  for (const q of queryWords) {
    const stem = q.slice(0, STEM);
    if (words.some((w) => w.startsWith(stem) || (w.length < STEM && q.startsWith(w) && w.length >= 3))) found++;
  }
  return found / queryWords.length;
}

/** Jaccard similarity of the two texts' word sets: 1 for the same words in any order, 0 for none in common. */
export function wordSimilarity(a: string, b: string): number {
  const x = new Set(wordsOf(a));
  const y = new Set(wordsOf(b));
  if (x.size === 0 && y.size === 0) return 1;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return shared / (x.size + y.size - shared);
}

/** Word-set similarity from which two texts count as the same memory (one changed word in twenty). */
export const NEAR_DUPLICATE_WORDS = 0.9;

const SUMMARY_CHARS = 120;

/** The content's first sentence (or line), cut to a short length, when no summary was given. */
export function defaultSummary(content: string): string {
  const text = content.trim().replace(/\s+/g, " ");
  const sentence = /^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  return sentence.length <= SUMMARY_CHARS ? sentence : `${sentence.slice(0, SUMMARY_CHARS - 1).trimEnd()}…`;
}
