// The sandbox application's client secret when the server does not put it in the page (a secret set with
// MEDLEY_SANDBOX_CLIENT_SECRET is never handed to whoever opens /console): asked for once, kept in this
// tab's sessionStorage only, asked for again when the server refuses it.

export const SECRET_HEADER = "x-leyr-client-secret";
const STORAGE_KEY = "medley-console-client-secret";

function stored() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: ask every time
  }
}

function store(secret) {
  try {
    sessionStorage.setItem(STORAGE_KEY, secret);
  } catch {
    // storage disabled: the secret lives in memory only, for this page
  }
}

function forget() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}

/** Shows the form until a non-empty secret is submitted; `problem` says why it is asked again. */
function ask(clientId, problem) {
  const form = document.getElementById("secret-form");
  const input = document.getElementById("secret-input");
  const note = document.getElementById("secret-problem");
  document.getElementById("secret-client-id").textContent = clientId;
  note.textContent = problem || "";
  note.hidden = !problem;
  input.value = "";
  form.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    const submit = (event) => {
      event.preventDefault();
      const secret = input.value.trim();
      if (!secret) {
        input.focus();
        return;
      }
      form.removeEventListener("submit", submit);
      form.hidden = true;
      input.value = "";
      resolve(secret);
    };
    form.addEventListener("submit", submit);
  });
}

/**
 * Runs `firstCall` (the console's first API call) with the client's headers, asking for the secret first when
 * the page came without one, and again after a 401. Returns what `firstCall` returns.
 */
export async function withSecret(client, config, firstCall) {
  if (!config.askSecret) return firstCall();
  const clientId = config.headers["x-leyr-client-id"] || "";
  let secret = stored();
  let problem = "";
  for (;;) {
    if (!secret) secret = await ask(clientId, problem);
    client.headers = { ...config.headers, [SECRET_HEADER]: secret };
    try {
      const result = await firstCall();
      store(secret);
      return result;
    } catch (error) {
      if (error.status !== 401) throw error;
      forget();
      secret = null;
      problem = "The server refused this secret. Check it and try again.";
    }
  }
}
