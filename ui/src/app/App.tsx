import { useEffect, useState } from 'react';
import { onAuthRequired } from '../api/client.ts';
import { authorization, logOut, onCredentialsChange } from '../api/credentials.ts';
import { fleet } from '../fleet/fleet-store.ts';
import { FleetView } from '../fleet/FleetView.tsx';
import { NodePage } from '../node/NodePage.tsx';
import { EnrollPage } from '../enroll/EnrollPage.tsx';
import { LoginForm } from './LoginForm.tsx';
import { parseRoute, useHash } from './router.ts';
import { useTheme } from './theme.ts';

export function App() {
  const route = parseRoute(useHash());
  const [theme, toggleTheme] = useTheme();
  const [needLogin, setNeedLogin] = useState(false);
  const [loggedIn, setLoggedIn] = useState(authorization() !== undefined);

  useEffect(() => onAuthRequired(() => setNeedLogin(true)), []);
  useEffect(() => onCredentialsChange(() => setLoggedIn(authorization() !== undefined)), []);
  useEffect(() => {
    fleet.start();
    return () => fleet.close();
  }, []);

  if (needLogin) {
    return <LoginForm onDone={() => { setNeedLogin(false); fleet.restart(); }} />;
  }
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('main')?.focus(); }}>Skip to content</a>
      <header className="top">
        <a className="brand" href="#/">Ferrite</a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'fleet' ? 'page' : undefined}>Fleet</a>
          <a href="#/enroll" aria-current={route.page === 'enroll' ? 'page' : undefined}>Enroll</a>
        </nav>
        <span className="spacer" />
        <button type="button" onClick={toggleTheme} title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`}>
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
        {loggedIn && <button type="button" onClick={() => { logOut(); setNeedLogin(true); fleet.close(); }}>Log out</button>}
      </header>
      {route.page === 'fleet' && <FleetView params={route.params} />}
      {route.page === 'node' && <NodePage key={route.ident} ident={route.ident} />}
      {route.page === 'enroll' && <EnrollPage />}
      {route.page === 'missing' && <main><p>Nothing here ({route.path}). <a href="#/">Back to the fleet</a></p></main>}
    </>
  );
}
