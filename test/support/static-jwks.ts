/**
 * A key set with one public P-256 key whose private half nobody kept: local verification that
 * refuses every token (401), for tests about options and registration rather than tokens.
 */
export const UNRELATED_JWKS = {
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'fOKGAsoGU5vXUzTB5Fdw8Lb2oUbD3QlDxFB9-WfieJg',
      y: 'VsxQeSu6i6aZ285cYDxI5we1em9Acv2k7KxDRVD-bE8',
    },
  ],
}
