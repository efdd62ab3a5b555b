// Entry point: sign-in (key from the URL fragment once, then kept), then the chat workspace.
import { Api, ApiError } from "./lib/api";
import { captureTokenFromUrl, clearToken, loadToken, saveToken } from "./lib/auth";
import { signInScreen } from "./ui/signin";
import { Workspace } from "./ui/workspace";

const root = document.getElementById("app")!;
const api = new Api();
let workspace: Workspace | null = null;
let signingIn = false;

captureTokenFromUrl();
api.token = loadToken();
api.onUnauthorized = () => showSignIn(api.token ? "This key was not accepted by the server. Paste a valid one." : undefined);

/** null when the key works (or the server needs none); otherwise why not. */
async function check(): Promise<string | null> {
  try {
    await api.get("/api/v1/conversations?limit=1", { silent401: true });
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return api.token ? "This key was not accepted by the server." : "";
    if (e instanceof ApiError && e.status === 0) return e.message;
    return null; // any other answer means the key got through
  }
}

function showSignIn(reason?: string): void {
  if (signingIn) return;
  signingIn = true;
  workspace?.dispose();
  workspace = null;
  document.title = "Sign in · Penguin";
  root.replaceChildren(
    signInScreen({
      reason,
      onSubmit: async (key) => {
        const previous = api.token;
        api.token = key;
        const problem = await check();
        if (problem !== null) {
          api.token = previous;
          return problem || "This key was not accepted by the server.";
        }
        saveToken(key);
        showWorkspace();
        return null;
      },
    }),
  );
}

function showWorkspace(): void {
  signingIn = false;
  workspace?.dispose();
  workspace = new Workspace(api, () => {
    clearToken();
    api.token = null;
    showSignIn("You are signed out.");
  });
  root.replaceChildren(workspace.el);
  workspace.start();
}

async function boot(): Promise<void> {
  const problem = await check();
  if (problem === null) showWorkspace();
  else showSignIn(problem || undefined);
}

// A sign-in link opened in a tab that already shows the page only changes the fragment.
window.addEventListener("hashchange", () => {
  if (!captureTokenFromUrl()) return;
  api.token = loadToken();
  signingIn = false;
  void boot();
});

void boot();
