import { useState } from 'react';
import { api, errorText } from '../api/client.ts';
import { logIn, logOut } from '../api/credentials.ts';

/** Shown when the API asks for http_basic credentials; they are checked against the API before being kept. */
export function LoginForm({ onDone }: { onDone: () => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    logIn(user, password);
    try {
      await api('/v1/nodes?limit=1&fields=uuid');
      onDone();
    } catch (e) {
      logOut();
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-labelledby="login-title">
        <h1 id="login-title">Log in to Ferrite</h1>
        <p className="muted">This service asks for the user name and password of its htpasswd file.</p>
        <label>User name
          <input name="username" autoComplete="username" autoFocus value={user} onChange={(e) => setUser(e.target.value)} required />
        </label>
        <label>Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>Log in</button>
      </form>
    </main>
  );
}
