// Embeddings from any OpenAI-compatible `/embeddings` endpoint (OpenAI, Ollama, llama.cpp, vLLM, LM Studio), through
// the official client. Every vector comes back unit length; the dimension is whatever the model answers, and a batch
// whose vectors disagree on it is refused rather than stored.
import OpenAI from "openai";
import { unitVector } from "./vectors";

export interface Embedder {
  readonly model: string;
  /** One unit vector per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Texts per request: servers cap batch sizes (OpenAI at 2048 inputs); small batches also keep requests short. */
export const EMBED_BATCH = 64;
/** The longest text sent; longer memories are embedded by their beginning (models truncate anyway, some refuse). */
const MAX_CHARS = 8000;

export class OpenAIEmbedder implements Embedder {
  private readonly client: OpenAI;

  constructor(
    readonly model: string,
    baseUrl: string,
    apiKey: string,
    timeoutMs = 30_000,
  ) {
    this.client = new OpenAI({ baseURL: baseUrl, apiKey, timeout: timeoutMs, maxRetries: 1 });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const response = await this.client.embeddings.create({ model: this.model, input: texts.map((t) => t.slice(0, MAX_CHARS)) }, { signal });
    const data = [...response.data].sort((a, b) => a.index - b.index);
    if (data.length !== texts.length) throw new Error(`the embedding endpoint returned ${data.length} vectors for ${texts.length} texts`);
    const vectors = data.map((d) => unitVector(d.embedding));
    const dimensions = vectors[0]!.length;
    if (dimensions === 0 || vectors.some((v) => v.length !== dimensions)) throw new Error("the embedding endpoint returned vectors of different (or no) dimensions");
    return vectors;
  }
}
