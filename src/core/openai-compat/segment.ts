// One response's worth of a turn. A turn that calls the client's function tools is answered in several responses
// (the first ends with finish_reason "tool_calls", the next request's tool results start the next one); each is a
// Segment: the text streamed during it, what the server's tools did meanwhile, and how it ended. A Segment is read
// as an async sequence of events, so a JSON response collects it and a stream relays it as it comes.
import { newId } from "../kernel/ids";
import type { FinishReason, PenguinExtension, ToolActivity, ToolCall, Usage } from "./schema";

export interface SegmentEnd {
  finishReason: FinishReason;
  content: string;
  /** The client's function tools the model called (finish_reason "tool_calls"). */
  toolCalls: ToolCall[];
  usage: Usage;
  penguin: PenguinExtension;
}

export type SegmentEvent = { type: "delta"; text: string } | { type: "end"; end: SegmentEnd };

export class Segment implements AsyncIterable<SegmentEvent> {
  readonly id = `chatcmpl-${newId()}`;
  readonly created = Math.floor(Date.now() / 1000);
  content = "";
  readonly activity: ToolActivity[] = [];
  readonly approvals: PenguinExtension["approvals"] = [];
  private readonly events: SegmentEvent[] = [];
  private wake?: () => void;
  private failure?: unknown;
  private done = false;

  /** `continues`: it answers after the client's tool results, so the engine's separator from earlier text is dropped. */
  constructor(private readonly continues = false) {}

  delta(text: string): void {
    if (this.continues && !this.content) text = text.replace(/^\n\n/, "");
    if (this.done || !text) return;
    this.content += text;
    this.push({ type: "delta", text });
  }

  finish(end: SegmentEnd): void {
    if (this.done) return;
    this.push({ type: "end", end });
    this.done = true;
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.failure = error;
    this.done = true;
    this.wake?.();
  }

  get ended(): boolean {
    return this.done;
  }

  private push(event: SegmentEvent): void {
    this.events.push(event);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SegmentEvent> {
    while (true) {
      const event = this.events.shift();
      if (event) {
        yield event;
        if (event.type === "end") return;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Everything until the end (a JSON response). */
  async collect(): Promise<SegmentEnd> {
    for await (const event of this) if (event.type === "end") return event.end;
    throw new Error("the turn ended without an answer");
  }
}
