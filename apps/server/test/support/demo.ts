/**
 * The demo feed of `npm start` and its detection replay, for the dashboard's browser tests: they
 * run the same feed a newcomer sees against a test server, without reaching into the server's files.
 */
export { createDecideGate, replayDetection } from '@tollgate/demo';
export { startDemoFeed } from '../../src/demo-feed.ts';
