'use strict';
// Third-party login through the official SDK: logInWith for Apple, Google, Facebook, GitHub, LDAP and
// a custom Python adapter (against local fakes of the providers), linkWith / _unlinkFrom, 208 for an
// id another account holds, 101 for a forged token, and MFA with logInWithAdditionalAuth.
// The Python side mints the tokens and passes them in AUTH_FIXTURES.
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  const F = JSON.parse(process.env.AUTH_FIXTURES);
  Parse.User.enableUnsafeCurrentUser();
  const result = {};
  const M = { useMasterKey: true };

  await step('apple: logInWith signs up, then logs the same account in', async () => {
    const first = await Parse.User.logInWith('apple', { authData: F.apple[0] });
    assert.ok(first.getSessionToken().startsWith('r:'));
    assert.ok(first._isLinked('apple'));
    await Parse.User.logOut();
    const second = await Parse.User.logInWith('apple', { authData: F.apple[1] });
    result.apple = { sameUser: second.id === first.id, linked: second._isLinked('apple') };
    await Parse.User.logOut();
  });

  await step('google, facebook, github and the custom adapter', async () => {
    const google = await Parse.User.logInWith('google', { authData: F.google });
    const facebook = await Parse.User.logInWith('facebook', { authData: F.facebook });
    const github = await Parse.User.logInWith('github', { authData: F.github });
    const sso = await Parse.User.logInWith('sso', { authData: F.sso });
    const ids = new Set([google.id, facebook.id, github.id, sso.id]);
    result.providers = { distinctUsers: ids.size, githubId: github.get('authData').github.id };
    await Parse.User.logOut();
  });

  await step('ldap: logInWith binds to the directory; the password is not kept', async () => {
    const first = await Parse.User.logInWith('ldap', { authData: F.ldap });
    await Parse.User.logOut();
    const again = await Parse.User.logInWith('ldap', { authData: F.ldap });
    await Parse.User.logOut();
    const stored = await new Parse.Query(Parse.User).get(first.id, M);
    const wrong = await rejectsWithCode(Parse.User.logInWith('ldap', { authData: F.ldapWrong }), 101, 'ldap');
    result.ldap = { sameUser: again.id === first.id, stored: stored.get('authData').ldap, wrong: wrong.code };
  });

  await step('forged tokens and unknown providers are refused', async () => {
    const forged = await rejectsWithCode(Parse.User.logInWith('google', { authData: F.googleForged }), 101, 'forged');
    const expired = await rejectsWithCode(Parse.User.logInWith('apple', { authData: F.appleExpired }), 101, 'expired');
    const custom = await rejectsWithCode(Parse.User.logInWith('sso', { authData: F.ssoForged }), 141, 'sso');
    const unknown = await rejectsWithCode(Parse.User.logInWith('myspace', { authData: { id: '1' } }), 252, 'unknown');
    result.refused = [forged.code, expired.code, custom.code, unknown.code];
  });

  await step('linkWith, log in with the linked provider, _unlinkFrom', async () => {
    const user = new Parse.User();
    user.set('username', `linker-${runId}`);
    user.set('password', `pw-${runId}`);
    await user.signUp();
    await user.linkWith('google', { authData: F.googleLink[0] });
    assert.ok(user._isLinked('google'));
    await Parse.User.logOut();
    const viaGoogle = await Parse.User.logInWith('google', { authData: F.googleLink[1] });
    assert.equal(viaGoogle.id, user.id);
    await viaGoogle._unlinkFrom('google');
    assert.equal(viaGoogle._isLinked('google'), false);
    const stored = await new Parse.Query(Parse.User).get(user.id, M);
    result.link = { loggedInAsLinker: true, storedAfterUnlink: Object.keys(stored.get('authData') || {}) };
    await Parse.User.logOut();
  });

  await step('an apple id another account holds cannot be linked (208)', async () => {
    const user = new Parse.User();
    user.set('username', `other-${runId}`);
    user.set('password', `pw-${runId}`);
    await user.signUp();
    const error = await rejectsWithCode(user.linkWith('apple', { authData: F.apple[2] }), 208, 'link taken id');
    result.taken = error.code;
    await Parse.User.logOut();
  });

  await step('MFA: set up, refused without a code, logInWithAdditionalAuth', async () => {
    const user = new Parse.User();
    const username = `mfa-${runId}`;
    const password = `pw-${runId}`;
    user.set('username', username);
    user.set('password', password);
    await user.signUp();
    await user.linkWith('mfa', { authData: { secret: F.mfa.secret, token: F.mfa.token } });
    const me = await Parse.User.current().fetch();
    const status = me.get('authData').mfa;
    await Parse.User.logOut();
    const missing = await rejectsWithCode(Parse.User.logIn(username, password), -1, 'no mfa code');
    const wrong = await rejectsWithCode(
      Parse.User.logInWithAdditionalAuth(username, password, { mfa: { token: F.mfa.wrong } }), 141, 'wrong code');
    const ok = await Parse.User.logInWithAdditionalAuth(username, password, { mfa: { token: F.mfa.token } });
    result.mfa = { status, missing: missing.message, wrong: wrong.code, loggedIn: ok.id === user.id };
    await Parse.User.logOut();
  });

  return result;
});
