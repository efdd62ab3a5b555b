// The directory dialog checks the folder when it is chosen (the same test the chat's binding makes), so a typo is
// caught there and not by the first message.
import { ApiError, type Api } from "../lib/api";

/** Why the folder cannot be used, or undefined when it can (or the server cannot say). */
export async function directoryProblem(api: Api, path: string): Promise<string | undefined> {
  try {
    await api.post("/api/v1/system/config/check-directory", { path });
    return undefined;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 400 || e.status === 422)) return e.message.charAt(0).toUpperCase() + e.message.slice(1) + ".";
    return undefined; // an older server without the check, or a network hiccup: the first message still checks
  }
}
