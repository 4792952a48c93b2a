/**
 * The app's pages: plain server-rendered HTML, no script at all. Every value is escaped.
 */
import type { Session, SignedInUser } from './sessions.js'

/** What the members' room requires, as the pages describe it. */
export interface MembersRule {
  contractAddress: string
  minTokenBalance: string
  /** The token's name in words, e.g. "Example Pass (PASS)". */
  label: string
  chain: string
}

const escapeHtml = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

export const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .8rem 2rem; background: #1d2330; color: #fff; }
header a { color: #fff; }
header .who { margin-left: auto; font-family: ui-monospace, monospace; }
main { max-width: 46rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; }
h1 { margin-top: 0; }
.button, button { display: inline-block; padding: .55rem 1.1rem; border: 0; border-radius: 6px;
  background: #3b5bdb; color: #fff; font: inherit; text-decoration: none; cursor: pointer; }
button.quiet { background: #868e96; }
form { display: inline; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e5ea; vertical-align: top; }
td { font-family: ui-monospace, monospace; font-size: 14px; word-break: break-all; }
.granted { border-left: 6px solid #2f9e44; padding-left: 1rem; }
.refused { border-left: 6px solid #e03131; padding-left: 1rem; }
`

function csrfField(session: Session | undefined): string {
  return session ? `<input type="hidden" name="csrf" value="${escapeHtml(session.csrf)}">` : ''
}

function layout(title: string, session: Session | undefined, body: string): string {
  const user = session?.user
  const who = user
    ? `<span class="who" id="who">${escapeHtml(user.displayAddress)}</span>
       <form method="post" action="/logout">${csrfField(session)}<button class="quiet" id="sign-out">Sign out</button></form>`
    : `<span class="who"></span><a class="button" id="sign-in" href="/login">Sign in with your wallet</a>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · OIDC client example</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><strong>OIDC client example</strong><a href="/">Home</a><a href="/members">Members</a>${who}</header>
<main>
${body}
</main>
</body>
</html>`
}

function claimsTable(user: SignedInUser): string {
  const rows = Object.entries(user.claims)
    .map(
      ([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(JSON.stringify(value))}</td></tr>`,
    )
    .join('\n')
  return `<table id="claims">${rows}</table>`
}

export function homePage(session: Session | undefined, rule: MembersRule): string {
  const user = session?.user
  if (!user) {
    return layout(
      'Home',
      session,
      `<h1>Welcome</h1>
<p id="status">You are not signed in.</p>
<p>This is an ordinary OpenID Connect web app: it has no wallet code. Signing in sends you to the
authority, whose page asks your wallet for a signature and sends you back here.</p>
<p><a class="button" href="/login">Sign in with your wallet</a></p>
<p>The <a href="/members">members' room</a> is for wallets holding at least
${escapeHtml(rule.minTokenBalance)} ${escapeHtml(rule.label)}.</p>`,
    )
  }
  return layout(
    'Home',
    session,
    `<h1>Signed in</h1>
<p id="status">Signed in as <strong id="display-address">${escapeHtml(user.displayAddress)}</strong>
(wallet <code id="wallet-address">${escapeHtml(user.walletAddress)}</code> on ${escapeHtml(user.chain)}).</p>
<p>Your ID token's claims, checked by openid-client (signature, issuer, audience, nonce, expiry):</p>
${claimsTable(user)}
<p><a class="button" href="/members">Enter the members' room</a></p>`,
  )
}

export function membersPage(session: Session, rule: MembersRule, balance: string): string {
  return layout(
    'Members',
    session,
    `<section class="granted" id="members">
<h1>Members' room</h1>
<p>Welcome, <strong>${escapeHtml(session.user?.displayAddress)}</strong>. The authority read the chain and
vouched that your wallet holds ${escapeHtml(balance)} ${escapeHtml(rule.label)} (at least
${escapeHtml(rule.minTokenBalance)} required).</p>
<p>The vouching is renewed whenever the app refreshes its tokens: the authority reads the chain
again then, and ends the session if the tokens are gone.</p>
<form method="post" action="/members/recheck">${csrfField(session)}<button id="recheck">Check again on chain</button></form>
</section>`,
  )
}

export function refusedPage(session: Session | undefined, rule: MembersRule, reason: string): string {
  const wallet = session?.user ? ` ${escapeHtml(session.user.displayAddress)}` : ''
  return layout(
    'Members only',
    session,
    `<section class="refused" id="refused">
<h1>Members only</h1>
<p>Your wallet${wallet} was refused: this room is for wallets holding at least
${escapeHtml(rule.minTokenBalance)} ${escapeHtml(rule.label)}
(<code>${escapeHtml(rule.contractAddress)}</code> on ${escapeHtml(rule.chain)}).</p>
<p id="reason">${escapeHtml(reason)}</p>
<p><a class="button" id="try-again" href="/login?next=members">Try again (or with another wallet)</a></p>
</section>`,
  )
}

export function errorPage(session: Session | undefined, title: string, detail: string): string {
  return layout(
    title,
    session,
    `<h1>${escapeHtml(title)}</h1>
<p id="error">${escapeHtml(detail)}</p>
<p><a href="/">Back to the home page</a></p>`,
  )
}
