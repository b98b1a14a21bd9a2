import { z } from 'zod';

/** An absolute file path, as service declarations take them (log files, a working directory). */
export const absolutePath = z.string().min(1).startsWith('/', 'must be an absolute path');
