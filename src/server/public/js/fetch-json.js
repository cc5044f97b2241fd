// GET a JSON resource of the sluice instance, with a timeout.

const FETCH_TIMEOUT_MS = 2500;

/** Resolves with the response text (parse it yourself: the page compares texts to skip re-rendering). */
export async function getText(path) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(path, { cache: 'no-store', signal: controller.signal, headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return await res.text();
  } catch (err) {
    if (err && err.name === 'AbortError') throw new Error(`${path}: no answer within ${FETCH_TIMEOUT_MS / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
