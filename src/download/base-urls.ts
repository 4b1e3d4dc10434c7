export const DEFAULT_CIVITAI_URL = "https://civitai.com";
/** huggingface_hub reads the same variable, so a mirror configured for it works here too. */
export const DEFAULT_HF_URL = "https://huggingface.co";

export interface BaseUrls {
  civitaiBaseUrl: string;
  hfBaseUrl: string;
}

/** `SDMODELS_CIVITAI_URL` and `HF_ENDPOINT`, without trailing slashes. */
export function baseUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): BaseUrls {
  const trim = (url: string) => url.replace(/\/+$/, "");
  return {
    civitaiBaseUrl: trim(env.SDMODELS_CIVITAI_URL || DEFAULT_CIVITAI_URL),
    hfBaseUrl: trim(env.HF_ENDPOINT || DEFAULT_HF_URL),
  };
}
