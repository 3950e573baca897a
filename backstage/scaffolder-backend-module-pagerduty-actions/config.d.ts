/** app-config schema of the module (Backstage reads it through package.json "configSchema"). */
export interface Config {
  pagerdutyActions?: {
    /** URL of the pagerduty-actions server, e.g. http://pagerduty-actions.internal:7077 */
    baseUrl: string;
    /**
     * A bearer token from the server's auth.tokens.
     * @visibility secret
     */
    token?: string;
    /** Time limit of one step's call, in seconds (default 120). */
    timeoutSeconds?: number;
    /** Time limit of listing actions at start-up, in seconds (default 5). */
    startupTimeoutSeconds?: number;
    /** Ask the server for its action list at start-up (default true); else bundled only. */
    refreshAtStartup?: boolean;
  };
}
