export declare const DEFAULT_CHROMIUM: string;
export declare const BROWSER_TEST_FILE: string;
export declare function runsBrowserTest(vitestArgs: string[]): boolean;
export declare function ensureChromium(options?: {
  logFile?: string;
  log?: (message: string) => void;
  env?: Record<string, string | undefined>;
  bin?: string;
  aptGet?: string | null;
  isRoot?: boolean;
  timeoutMs?: number;
}): Promise<{ path: string; reason?: undefined } | { path?: undefined; reason: string }>;
