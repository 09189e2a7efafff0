// The zod schema of the benchmark's message, for "lifeline + zod schema".
import { z } from "zod";

export const Message = z.object({ type: z.literal("chat"), seq: z.number(), text: z.string() });
