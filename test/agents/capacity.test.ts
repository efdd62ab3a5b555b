// max_concurrent_agents: work handed to agents beyond the limit waits its turn (and the waiting agent shows as
// active); a parent waiting on its sub-agent lends its slot, so delegation works even with a single slot; pausing
// an agent refuses its waiting work.
import { beforeEach, describe, expect, test } from "bun:test";
import type { TestApp } from "../support/harness";
import type { Upstream } from "../support/upstream";
import { get, post, send, until, useChatApp } from "../support/chat";

let up: Upstream;
let app: TestApp;
useChatApp("openai", (started) => ({ up, app } = started), { env: { PENGUIN_MAX_CONCURRENT_AGENTS: "1" } });
beforeEach(() => up.reset());

const agent = async (id: string) => (await get(app, `/api/v1/agents/${id}`)).body;
const answered = async (id: string) => (await get(app, `/api/v1/agents/${id}/history`)).body.messages.filter((m: any) => m.role === "assistant").map((m: any) => m.content);

describe("max_concurrent_agents = 1", () => {
  test("a second agent's work waits until the first one's turn is over, and shows as active meanwhile", async () => {
    up.script({ key: "[first]", delayMs: 600, text: "first done" }, { key: "[second]", text: "second done" });
    await post(app, "/api/v1/agents", { id: "first", initial_prompt: "go [first]" });
    const second = await post(app, "/api/v1/agents", { id: "second", initial_prompt: "go [second]" });
    expect(second.body.active).toBe(true);

    await until(() => up.requests.some((r) => r.lastUserText.includes("[first]")), 5000, "the first agent's request");
    await Bun.sleep(250);
    // the first is still waiting for its answer: the second has not reached the model
    expect(up.requests.some((r) => r.lastUserText.includes("[second]"))).toBe(false);
    expect((await agent("second")).active).toBe(true);
    expect((await agent("first")).active).toBe(true);

    await until(async () => !(await agent("second")).active, 5000, "the second agent to finish");
    expect(await answered("first")).toEqual(["first done"]);
    expect(await answered("second")).toEqual(["second done"]);
    expect(up.requests.map((r) => r.stepKey)).toEqual(["[first]", "[second]"]);
  });

  test("a parent waiting on its sub-agent lends its only slot: the delegation completes", async () => {
    up.script(
      { key: "[boss]", toolCalls: [{ name: "spawn_sub_agent", arguments: { id: "minion" } }] },
      { key: "[boss]", toolCalls: [{ name: "delegate", arguments: { agent_id: "minion", content: "fetch it [minion]" } }] },
      { key: "[minion]", text: "fetched" },
      { key: "[boss]", text: "boss done" },
    );
    await post(app, "/api/v1/agents", { id: "boss", initial_prompt: "organise [boss]" });
    await until(async () => (await answered("boss")).includes("boss done"), 10_000, "the boss to finish");
    expect(await answered("minion")).toEqual(["fetched"]);
  });

  test("pausing an agent refuses its work that is still waiting for a slot", async () => {
    up.script({ key: "[holder]", delayMs: 500, text: "held" }, { key: "[waiter]", text: "never" });
    await post(app, "/api/v1/agents", { id: "holder", initial_prompt: "hold [holder]" });
    await post(app, "/api/v1/agents", { id: "waiter", initial_prompt: "wait [waiter]" });
    expect((await agent("waiter")).active).toBe(true);
    expect((await send(app, "PATCH", "/api/v1/agents/waiter", { paused: true })).body).toMatchObject({ paused: true, active: false });
    await until(async () => !(await agent("holder")).active, 5000, "the holder to finish");
    await Bun.sleep(100);
    expect(up.requests.some((r) => r.lastUserText.includes("[waiter]"))).toBe(false);
    expect(await answered("waiter")).toEqual([]);
  });
});
