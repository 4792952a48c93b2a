/** Express 4.21 installed under an alias (npm:express@4.21.2), typed as the Express 5 types say. */
declare module 'express4' {
  import express from 'express'
  export default express
}
