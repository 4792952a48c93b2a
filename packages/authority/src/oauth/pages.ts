import { randomBytes } from 'node:crypto'

/**
 * The HTML the authorization endpoint answers with: an error page (when it must not redirect),
 * the popup's `web_message` page, and the hosted wallet-login page. Each page's one script
 * runs under a per-response CSP nonce; data reaches scripts as JSON in a non-executable
 * `<script type="application/json">` block, never spliced into code.
 */
export interface HtmlPage {
  html: string
  headers: Record<string, string>
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}
h1{font-size:1.4rem}button{font:inherit;padding:.6rem 1.2rem;border-radius:.5rem;border:1px solid #444;background:#1b1b1f;color:#fff;cursor:pointer}
button[disabled]{opacity:.5}#status{min-height:1.5rem;color:#8a1c1c}code{word-break:break-all}`

function page(
  title: string,
  body: string,
  script?: { code: string; data: unknown; connect?: string },
): HtmlPage {
  const nonce = randomBytes(16).toString('base64')
  const scripts = script
    ? `<script type="application/json" id="picket-data">${jsonForHtml(script.data)}</script>
<script nonce="${nonce}">${script.code}</script>`
    : ''
  return {
    html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}${scripts}</body></html>
`,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // No framing (clickjacking a wallet prompt), no third-party script, no referrer leak of
      // the query (it carries the code challenge and, after signing, the signature).
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'`,
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    },
  }
}

/** The page of an error that must not be sent to the client (unknown client, unregistered redirect URI). */
export function errorPage(error: string, description: string): HtmlPage {
  return page(
    'Sign-in error',
    `<h1>Sign-in could not start</h1><p>${escapeHtml(description)}</p><p><small>OAuth error: <code>${escapeHtml(error)}</code></small></p>`,
  )
}

/**
 * `response_mode=web_message` (picket-js `loginWithPopup`): posts the response to the opener,
 * only to the registered redirect URI's origin (draft-sakimura-oauth-wmrm §2.3).
 */
export function webMessagePage(targetOrigin: string, response: Record<string, string>): HtmlPage {
  return page('Signing in…', '<p>Signing in…</p>', {
    data: { targetOrigin, response },
    code: `const d=JSON.parse(document.getElementById('picket-data').textContent);
if(window.opener){window.opener.postMessage({type:'authorization_response',response:d.response},d.targetOrigin)}
else{document.body.textContent='This page belongs to a sign-in popup; you can close it.'}`,
  })
}

export interface LoginPageData {
  projectName: string
  clientId: string
  chain: string
  signingMessageUrl: string
}

/**
 * The hosted wallet login (for relying parties that send no signature, e.g. any OIDC app): an
 * EIP-1193 wallet (`window.ethereum`) signs the message the authority builds for its own
 * domain, then the page comes back to this very authorization request with the signature.
 */
export function loginPage(data: LoginPageData): HtmlPage {
  return page(
    `Sign in to ${data.projectName}`,
    `<h1>Sign in to ${escapeHtml(data.projectName)}</h1>
<p>Sign in with your wallet. Your wallet will ask you to sign a message; signing costs nothing.</p>
<p><button id="sign-in" type="button">Sign in with wallet</button></p><p id="status" role="status"></p>`,
    { data, code: LOGIN_SCRIPT },
  )
}

const LOGIN_SCRIPT = `const d=JSON.parse(document.getElementById('picket-data').textContent);
const status=document.getElementById('status');const button=document.getElementById('sign-in');
const hex=(t)=>'0x'+Array.from(new TextEncoder().encode(t),(b)=>b.toString(16).padStart(2,'0')).join('');
button.addEventListener('click',async()=>{
  status.textContent='';button.disabled=true;
  try{
    const eth=window.ethereum;
    if(!eth)throw new Error('No browser wallet found: install one (e.g. MetaMask) and reload this page.');
    const [address]=await eth.request({method:'eth_requestAccounts'});
    const res=await fetch(d.signingMessageUrl,{method:'POST',headers:{'content-type':'application/json'},
      body:JSON.stringify({client_id:d.clientId,walletAddress:address,chain:d.chain,locale:navigator.language})});
    const answer=await res.json();
    if(!res.ok)throw new Error(answer.msg||'The sign-in message could not be prepared');
    const signature=await eth.request({method:'personal_sign',params:[hex(answer.message),address]});
    const url=new URL(location.href);
    const params={walletAddress:address,signature,chain:d.chain,domain:answer.context.domain,uri:answer.context.uri,issuedAt:answer.context.issuedAt};
    for(const [k,v] of Object.entries(params))url.searchParams.set(k,v);
    location.assign(url.toString());
  }catch(e){status.textContent=(e&&e.message)||String(e);button.disabled=false}
});`

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** JSON that cannot end its `<script>` block or open a comment, whatever the strings hold. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}
