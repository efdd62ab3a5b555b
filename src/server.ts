// Starting and stopping the HTTP server around a core: used by the CLI and the test harness alike.
import { createApp, type App } from "./app";
import { createCore, type Core, type CoreOptions } from "./core";
import type { Config } from "./config";
import { listening } from "./core/kernel/listening";

export interface RunningServer {
  core: Core;
  app: App;
  url: string;
  port: number;
  /** Graceful stop: no new connections, `graceMs` for in-flight work, then cancel the rest and close the DB. */
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(config: Config, options: CoreOptions = {}): Promise<RunningServer> {
  const core = await createCore(config, options);
  let app: App;
  try {
    app = createApp(core);
    app.listen({ hostname: config.host, port: config.port, idleTimeout: 255 });
  } catch (error) {
    await core.shutdown();
    throw error;
  }
  const server = app.server!;
  const port = server.port!;
  listening.add(port);
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  let stopping: Promise<void> | undefined;
  return {
    core,
    app,
    port: server.port!,
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${server.port}`,
    stop(graceMs = 5000) {
      // Stop accepting; let in-flight requests finish for a moment; then cancel what is left and close the DB.
      stopping ??= (async () => {
        const drained = server.stop(false);
        await Promise.race([drained, Bun.sleep(graceMs)]);
        // After in-flight turns were cancelled, close whatever connections remain (WebSockets never drain by
        // themselves), then the core closes the database.
        await core.shutdown(() => server.stop(true));
        listening.remove(port);
      })();
      return stopping;
    },
  };
}
