// System diagnostics: GET /api/v1/system/info, /api/v1/system/status, /api/v1/capabilities (Penguin) and
// GET /v1/system/status (PiSovereign). Values come from src/core/system/system-info.ts, which reads the running server;
// what depends on HTTP (which routes this server really mounts) is decided here.
import { Elysia } from "elysia";
import type { Core } from "../src/core";
import { Capabilities, PiSystemStatus, SystemInfo, SystemStatus } from "../src/core/system/schema";
import { SystemDiagnostics } from "../src/core/system/system-info";
import { callerOf } from "../src/http/auth";

type Route = { method: string; path: string };

export const systemPlugin = (core: Core) => {
  const system = new SystemDiagnostics(core);
  let routes: Route[] = [];
  const served = (method: string, path: string) => routes.some((r) => r.method === method && r.path === path);
  const streams = () => served("WS", "/api/v1/chat/stream");
  return (
    new Elysia({ name: "system", detail: { tags: ["system"] } })
      // Capabilities describe the routes this server really mounts: learn them once the whole app has started.
      .onStart((app) => void (routes = (app as unknown as { routes: Route[] }).routes.map((r) => ({ method: r.method, path: r.path }))))
      .get(
        "/api/v1/system/info",
        ({ request }) => {
          const info = system.info(callerOf(request));
          if (info.current_model) info.current_model.streaming_enabled &&= streams();
          return info;
        },
        { response: { 200: SystemInfo }, detail: { summary: "System information and component status" } },
      )
      .get("/api/v1/system/status", ({ request }) => system.status(callerOf(request)), { response: { 200: SystemStatus }, detail: { summary: "Runtime status" } })
      .get(
        "/api/v1/capabilities",
        () => {
          const can = system.abilities();
          const tasks = can.inference && served("POST", "/api/v1/tasks/execute");
          const uploads = served("POST", "/api/v1/upload");
          return {
            capabilities: {
              vision_enabled: can.vision,
              streaming_enabled: can.inference && streams(),
              checkpoint_management: can.checkpoints && served("POST", "/api/v1/checkpoints/create"),
              model_switching: served("POST", "/api/v1/models/load") && can.model_choice,
              file_upload: uploads,
              websocket_support: routes.some((r) => r.method === "WS"),
              task_execution: tasks,
              run_mode: tasks,
              multi_modal: can.vision && uploads,
              context_files: served("GET", "/api/v1/context-files"),
            },
            current_model: can.current_model,
            api_version: "v1",
            penguin_version: can.penguin_version,
          };
        },
        {
          response: { 200: Capabilities },
          detail: { summary: "What this server can do right now", description: "Computed from the configuration, the current model and the mounted routes." },
        },
      )
      .get("/v1/system/status", () => system.piStatus(), {
        response: { 200: PiSystemStatus },
        detail: { summary: "System status and resource usage (PiSovereign)", description: "cpu_percent is the process's share of one core over the last second or more." },
      })
  );
};
