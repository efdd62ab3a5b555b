// The request log's level: the web UI's files (the page, its script and styles) are not worth a line each, so they
// log at debug (DEBUG shows them); every API request logs one info line.
import { WEB_ASSETS } from "../assets/web";
import type { LogLevel } from "../core/kernel/log";

export const requestLogLevel = (path: string): LogLevel => (path === "/" || WEB_ASSETS.has(path) ? "debug" : "info");
