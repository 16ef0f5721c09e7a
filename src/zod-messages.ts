/**
 * English messages for schemas built with zod's small build, `zod/mini`,
 * which code the helper VM runs uses: the full `zod` would more than double
 * the helper bundle, and the VM parses every byte of it under emulation at
 * each boot. A module with such a schema imports this one for its effect.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
