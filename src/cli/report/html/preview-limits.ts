import { SIDECAR_MAX_BYTES } from "../../../install/sidecar-policy.js";

/**
 * Largest preview file read at all: the bound under which a preview sidecar travels with its model (full-size
 * Civitai generations, a 4K PNG being 20-30 MB). A larger one is not opened past its size.
 */
export const MAX_PREVIEW_FILE_BYTES = SIDECAR_MAX_BYTES.image;

/**
 * Most pixels a PNG or JPEG preview may declare to be decoded. Civitai previews are generations, upscaled ones up
 * to about 4096×6144 (25 MP); the decoded RGBA bitmap at this bound is 134 MB. A file declaring more (a
 * decompression bomb declares 50000×50000 in a few hundred bytes) is refused from its header, before any decoder
 * allocates.
 */
export const MAX_PREVIEW_PIXELS = 32 * 1024 * 1024;

/**
 * Largest GIF or WebP preview embedded as it is. No decoder for them is bundled (none in pure JavaScript is
 * maintained), so they cannot be shrunk; a browser decodes them as it decodes the WebUI's own previews, and this
 * keeps one from swelling the page.
 */
export const MAX_UNDECODED_PREVIEW_BYTES = 512 * 1024;

/** Total bytes of previews in one report, so a folder of thousands of images still gives a file a browser opens. */
export const MAX_PREVIEWS_TOTAL_BYTES = 32 * 1024 * 1024;
