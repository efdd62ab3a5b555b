// System diagnostics: GET /api/v1/system/info, /api/v1/system/status, /api/v1/capabilities (Penguin) and
// GET /v1/system/status (PiSovereign). Values come from src/core/system/system-info.ts, which reads the running server.
import { Elysia, t } from "elysia";
import type { Core } from "../src/core";
import { SystemInfo } from "../src/core/system/system-info";

const TokenPair = t.Object({ input: t.Integer(), output: t.Integer() });

export const systemPlugin = (core: Core) => {
  const system = new SystemInfo(core);
  return (
    new Elysia({ name: "system", detail: { tags: ["system"] } })
      // Capabilities describe the routes this server really mounts: learn them once the whole app has started.
      .onStart((app) => system.setRoutes((app as unknown as { routes: { method: string; path: string }[] }).routes))
      .get("/api/v1/system/info", () => system.info(), {
        response: {
          200: t.Object({
            penguin_version: t.String(),
            engine_available: t.Boolean({ description: "The engine exists and the current model is usable" }),
            checkpoints_enabled: t.Boolean(),
            current_model: t.Union([
              t.Object({ model: t.String(), provider: t.String(), streaming_enabled: t.Boolean(), vision_enabled: t.Boolean() }),
              t.Null(),
            ]),
            conversation_manager: t.Object({ active: t.Boolean(), current_session_id: t.Union([t.String(), t.Null()]), total_messages: t.Integer() }),
            tool_manager: t.Object({ active: t.Boolean(), total_tools: t.Integer() }),
            memory_provider: t.Object({ initialized: t.Boolean(), provider_type: t.Union([t.String(), t.Null()]) }),
            uptime_seconds: t.Integer(),
          }),
        },
        detail: { summary: "System information and component status" },
      })
      .get("/api/v1/system/status", () => system.status(), {
        response: {
          200: t.Object({
            status: t.Literal("active"),
            runmode_status: t.String(),
            continuous_mode: t.Boolean({ description: "A continuous task is running" }),
            streaming_active: t.Boolean({ description: "An agent turn is running" }),
            active_turns: t.Integer(),
            active_tasks: t.Integer(),
            token_usage: t.Object({ total: TokenPair, session: TokenPair }, { description: "session: the most recently active conversation" }),
            current_session_id: t.Union([t.String(), t.Null()]),
            timestamp: t.String(),
            uptime_seconds: t.Integer(),
            initialization: t.Object({ core_initialized: t.Boolean(), fast_startup_enabled: t.Boolean() }),
          }),
        },
        detail: { summary: "Runtime status" },
      })
      .get("/api/v1/capabilities", () => system.capabilities(), {
        response: {
          200: t.Object({
            capabilities: t.Object({
              vision_enabled: t.Boolean(),
              streaming_enabled: t.Boolean(),
              checkpoint_management: t.Boolean(),
              model_switching: t.Boolean({ description: "More than one model is configured and /api/v1/models/load is served" }),
              file_upload: t.Boolean(),
              websocket_support: t.Boolean(),
              task_execution: t.Boolean(),
              run_mode: t.Boolean(),
              multi_modal: t.Boolean(),
              context_files: t.Boolean(),
            }),
            current_model: t.Union([t.Object({ model: t.String(), provider: t.String(), vision_enabled: t.Boolean() }), t.Null()]),
            api_version: t.String(),
            penguin_version: t.String(),
          }),
        },
        detail: { summary: "What this server can do right now", description: "Computed from the configuration, the current model and the mounted routes." },
      })
      .get("/v1/system/status", () => system.piStatus(), {
        response: {
          200: t.Object({
            version: t.String(),
            uptime_seconds: t.Integer(),
            environment: t.String(),
            resources: t.Object({ memory_used_mb: t.Number(), heap_used_mb: t.Number(), cpu_percent: t.Number(), database_size_mb: t.Number() }),
            statistics: t.Object({
              requests_total: t.Integer(),
              requests_success: t.Integer(),
              requests_failed: t.Integer(),
              active_requests: t.Integer(),
              inference_requests: t.Integer(),
              inference_failed: t.Integer(),
              tokens_total: t.Integer(),
              tool_calls: t.Integer(),
              tasks_running: t.Integer(),
              cache_hit_rate: t.Number({ description: "Always 0: there is no response cache" }),
            }),
          }),
        },
        detail: { summary: "System status and resource usage (PiSovereign)", description: "cpu_percent is the process's share of one core over the last second or more." },
      })
  );
};
