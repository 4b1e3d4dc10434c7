/** The CLI's exit codes live beside the library's typed errors, which carry them; one table for both. */
export * from "../exit-codes.js";
