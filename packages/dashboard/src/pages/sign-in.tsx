import { useState } from 'preact/hooks';
import { api } from '../api.js';

/** Posts a token once; the server answers with an HttpOnly cookie, so the page never stores it. */
export function SignIn(props: { onSignedIn: () => void; message?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.message ?? '');
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError('');
          try {
            await api('/auth/session', { method: 'POST', body: { token } });
            setToken('');
            props.onSignedIn();
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>Touchline</h1>
        <p>Sign in with your token: the admin token that <code>touchline start</code> printed (it is kept in the data dir).</p>
        <label>
          Token
          <input name="token" type="password" autocomplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        </label>
        <button type="submit" disabled={busy || token === ''}>
          Sign in
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
