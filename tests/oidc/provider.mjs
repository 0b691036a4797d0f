// A real, OpenID-certified provider (oidc-provider) for the zwgk test suite; never for production.
//
//   node provider.mjs --port P --keys KEYS.json [--audience urn:zwgk:api] [--client-id ID] [--client-secret S] [--ttl 600]
//
// Serves the issuer http://127.0.0.1:P (discovery, JWKS, token endpoint). One confidential client
// (--client-id/--client-secret, or OIDC_CLIENT_ID/OIDC_CLIENT_SECRET) may use the client_credentials
// grant; its access tokens are JWTs for the resource indicator it names (`resource`, default
// --audience). So that tests can mint a token for any identity, the token request's own form
// fields become claims: `account` (sub), `zwgk_role`, `zwgk_unit`, `name`; `expires_in` (seconds,
// zero or negative for an already-expired token) overrides --ttl; `alg` (RS256, ES256, ...) picks
// the signing key.
//
// The console's sign-in (authorization code flow with PKCE): a public native client (--console-client-id, default
// zwgk-console) whose loopback redirect URI http://127.0.0.1/signin/oidc/callback may name any port (RFC 8252), and
// the provider's development login and consent pages, which take any login name. The access token of a login
// carries the role and unit PEOPLE.json (beside KEYS.json, read at each token) gives that name.
//
// KEYS.json is a JWKS with private keys. Key rotation: rewrite KEYS.json and send SIGHUP; the
// provider is rebuilt on the new keys behind the same listening socket, so the old keys are gone
// from the JWKS and no longer sign.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    keys: { type: 'string' },
    audience: { type: 'string', default: 'urn:zwgk:api' },
    'client-id': { type: 'string', default: process.env.OIDC_CLIENT_ID ?? 'zwgk-tests' },
    'client-secret': { type: 'string', default: process.env.OIDC_CLIENT_SECRET ?? 'zwgk-tests-secret' },
    ttl: { type: 'string', default: '600' },
    'console-client-id': { type: 'string', default: 'zwgk-console' },
  },
});
if (!args.port || !args.keys) {
  console.error('usage: node provider.mjs --port P --keys KEYS.json');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${args.port}`;
const defaultTtl = Number(args.ttl);

// Who may sign in through the login page, with their role and unit: {login: {zwgk_role, zwgk_unit, name}}.
const people = () => {
  try {
    return JSON.parse(readFileSync(join(dirname(args.keys), 'people.json'), 'utf8'));
  } catch {
    return {};
  }
};

// The form fields of the token request being answered.
const form = (ctx) => ctx.oidc?.body ?? {};
const requestedTtl = (ctx) => (form(ctx).expires_in === undefined ? defaultTtl : Number(form(ctx).expires_in));

function build() {
  const jwks = JSON.parse(readFileSync(args.keys, 'utf8'));
  const provider = new Provider(issuer, {
    jwks,
    clients: [{
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    }, {
      client_id: args['console-client-id'],
      application_type: 'native',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/signin/oidc/callback'],
      token_endpoint_auth_method: 'none',
    }],
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    cookies: { keys: ['zwgk-tests-cookie-key'] },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => args.audience,
        useGrantedResource: () => true,
        // Any resource indicator is a resource server here, so a test can mint a token for another API.
        getResourceServerInfo: (ctx, resource) => ({
          scope: '',
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: form(ctx).alg ?? 'RS256' } },
        }),
      },
    },
    // The stored token must outlive its request even when the JWT is minted already expired.
    ttl: { ClientCredentials: (ctx) => Math.max(1, requestedTtl(ctx)) },
    formats: {
      customizers: {
        jwt(ctx, token, jwt) {
          const person = people()[token.accountId] ?? {};
          const {
            account, zwgk_role: role = person.zwgk_role, zwgk_unit: unit = person.zwgk_unit, name = person.name,
          } = form(ctx);
          Object.assign(jwt.payload, { sub: account ?? jwt.payload.sub, zwgk_role: role, zwgk_unit: unit, name });
          jwt.payload.exp = jwt.payload.iat + requestedTtl(ctx);
        },
      },
    },
  });
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  console.log(`keys ${jwks.keys.map((k) => k.kid).join(',')}`);
  return provider;
}

let handler = build().callback();
process.on('SIGHUP', () => {
  try {
    handler = build().callback();
    console.log('keys reloaded');
  } catch (error) {
    console.error('keys not reloaded', error);
  }
});
process.on('SIGTERM', () => process.exit(0));

createServer((req, res) => handler(req, res)).listen(Number(args.port), '127.0.0.1', () => {
  console.log(`issuer ${issuer} audience ${args.audience}`);
});
