import * as $protobuf from "protobufjs";
import Long = require("long");
/** Namespace kiln. */
export namespace kiln {

    /** Namespace v1. */
    namespace v1 {

        /** Stream enum. */
        enum Stream {
            STDOUT = 0,
            STDERR = 1
        }

        /** Properties of a LogLine. */
        interface ILogLine {

            /** LogLine seq */
            seq?: (number|null);

            /** LogLine stream */
            stream?: (kiln.v1.Stream|null);

            /** LogLine timeMs */
            timeMs?: (number|null);

            /** LogLine data */
            data?: (Uint8Array|null);
        }

        /** Represents a LogLine. */
        class LogLine implements ILogLine {

            /**
             * Constructs a new LogLine.
             * @param [properties] Properties to set
             */
            constructor(properties?: kiln.v1.ILogLine);

            /** LogLine seq. */
            public seq: number;

            /** LogLine stream. */
            public stream: kiln.v1.Stream;

            /** LogLine timeMs. */
            public timeMs: number;

            /** LogLine data. */
            public data: Uint8Array;

            /**
             * Creates a new LogLine instance using the specified properties.
             * @param [properties] Properties to set
             * @returns LogLine instance
             */
            public static create(properties?: kiln.v1.ILogLine): kiln.v1.LogLine;

            /**
             * Encodes the specified LogLine message. Does not implicitly {@link kiln.v1.LogLine.verify|verify} messages.
             * @param message LogLine message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: kiln.v1.ILogLine, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a LogLine message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns LogLine
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): kiln.v1.LogLine;

            /**
             * Creates a LogLine message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns LogLine
             */
            public static fromObject(object: { [k: string]: any }): kiln.v1.LogLine;

            /**
             * Creates a plain object from a LogLine message. Also converts values to other types if specified.
             * @param message LogLine
             * @param [options] Conversion options
             * @returns Plain object
             */
            public static toObject(message: kiln.v1.LogLine, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this LogLine to JSON.
             * @returns JSON object
             */
            public toJSON(): { [k: string]: any };
        }

        /** Properties of a StepLogs. */
        interface IStepLogs {

            /** StepLogs step */
            step?: (string|null);

            /** StepLogs stepIndex */
            stepIndex?: (number|null);

            /** StepLogs lines */
            lines?: (kiln.v1.ILogLine[]|null);

            /** StepLogs eof */
            eof?: (boolean|null);

            /** StepLogs firstSeq */
            firstSeq?: (number|null);

            /** StepLogs packedData */
            packedData?: (Uint8Array|null);

            /** StepLogs packedMeta */
            packedMeta?: (Uint8Array|null);

            /** StepLogs packedLines */
            packedLines?: (Uint8Array|null);
        }

        /** Represents a StepLogs. */
        class StepLogs implements IStepLogs {

            /**
             * Constructs a new StepLogs.
             * @param [properties] Properties to set
             */
            constructor(properties?: kiln.v1.IStepLogs);

            /** StepLogs step. */
            public step: string;

            /** StepLogs stepIndex. */
            public stepIndex: number;

            /** StepLogs lines. */
            public lines: kiln.v1.ILogLine[];

            /** StepLogs eof. */
            public eof: boolean;

            /** StepLogs firstSeq. */
            public firstSeq: number;

            /** StepLogs packedData. */
            public packedData: Uint8Array;

            /** StepLogs packedMeta. */
            public packedMeta: Uint8Array;

            /** StepLogs packedLines. */
            public packedLines: Uint8Array;

            /**
             * Creates a new StepLogs instance using the specified properties.
             * @param [properties] Properties to set
             * @returns StepLogs instance
             */
            public static create(properties?: kiln.v1.IStepLogs): kiln.v1.StepLogs;

            /**
             * Encodes the specified StepLogs message. Does not implicitly {@link kiln.v1.StepLogs.verify|verify} messages.
             * @param message StepLogs message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: kiln.v1.IStepLogs, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StepLogs message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns StepLogs
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): kiln.v1.StepLogs;

            /**
             * Creates a StepLogs message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns StepLogs
             */
            public static fromObject(object: { [k: string]: any }): kiln.v1.StepLogs;

            /**
             * Creates a plain object from a StepLogs message. Also converts values to other types if specified.
             * @param message StepLogs
             * @param [options] Conversion options
             * @returns Plain object
             */
            public static toObject(message: kiln.v1.StepLogs, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this StepLogs to JSON.
             * @returns JSON object
             */
            public toJSON(): { [k: string]: any };
        }

        /** Properties of a LogBatch. */
        interface ILogBatch {

            /** LogBatch pipelineRun */
            pipelineRun?: (string|null);

            /** LogBatch taskRun */
            taskRun?: (string|null);

            /** LogBatch steps */
            steps?: (kiln.v1.IStepLogs[]|null);
        }

        /** Represents a LogBatch. */
        class LogBatch implements ILogBatch {

            /**
             * Constructs a new LogBatch.
             * @param [properties] Properties to set
             */
            constructor(properties?: kiln.v1.ILogBatch);

            /** LogBatch pipelineRun. */
            public pipelineRun: string;

            /** LogBatch taskRun. */
            public taskRun: string;

            /** LogBatch steps. */
            public steps: kiln.v1.IStepLogs[];

            /**
             * Creates a new LogBatch instance using the specified properties.
             * @param [properties] Properties to set
             * @returns LogBatch instance
             */
            public static create(properties?: kiln.v1.ILogBatch): kiln.v1.LogBatch;

            /**
             * Encodes the specified LogBatch message. Does not implicitly {@link kiln.v1.LogBatch.verify|verify} messages.
             * @param message LogBatch message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: kiln.v1.ILogBatch, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a LogBatch message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns LogBatch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): kiln.v1.LogBatch;

            /**
             * Creates a LogBatch message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns LogBatch
             */
            public static fromObject(object: { [k: string]: any }): kiln.v1.LogBatch;

            /**
             * Creates a plain object from a LogBatch message. Also converts values to other types if specified.
             * @param message LogBatch
             * @param [options] Conversion options
             * @returns Plain object
             */
            public static toObject(message: kiln.v1.LogBatch, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this LogBatch to JSON.
             * @returns JSON object
             */
            public toJSON(): { [k: string]: any };
        }

        /** Properties of a StepAck. */
        interface IStepAck {

            /** StepAck step */
            step?: (string|null);

            /** StepAck nextSeq */
            nextSeq?: (number|null);
        }

        /** Represents a StepAck. */
        class StepAck implements IStepAck {

            /**
             * Constructs a new StepAck.
             * @param [properties] Properties to set
             */
            constructor(properties?: kiln.v1.IStepAck);

            /** StepAck step. */
            public step: string;

            /** StepAck nextSeq. */
            public nextSeq: number;

            /**
             * Creates a new StepAck instance using the specified properties.
             * @param [properties] Properties to set
             * @returns StepAck instance
             */
            public static create(properties?: kiln.v1.IStepAck): kiln.v1.StepAck;

            /**
             * Encodes the specified StepAck message. Does not implicitly {@link kiln.v1.StepAck.verify|verify} messages.
             * @param message StepAck message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: kiln.v1.IStepAck, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StepAck message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns StepAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): kiln.v1.StepAck;

            /**
             * Creates a StepAck message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns StepAck
             */
            public static fromObject(object: { [k: string]: any }): kiln.v1.StepAck;

            /**
             * Creates a plain object from a StepAck message. Also converts values to other types if specified.
             * @param message StepAck
             * @param [options] Conversion options
             * @returns Plain object
             */
            public static toObject(message: kiln.v1.StepAck, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this StepAck to JSON.
             * @returns JSON object
             */
            public toJSON(): { [k: string]: any };
        }

        /** Properties of a LogAck. */
        interface ILogAck {

            /** LogAck steps */
            steps?: (kiln.v1.IStepAck[]|null);
        }

        /** Represents a LogAck. */
        class LogAck implements ILogAck {

            /**
             * Constructs a new LogAck.
             * @param [properties] Properties to set
             */
            constructor(properties?: kiln.v1.ILogAck);

            /** LogAck steps. */
            public steps: kiln.v1.IStepAck[];

            /**
             * Creates a new LogAck instance using the specified properties.
             * @param [properties] Properties to set
             * @returns LogAck instance
             */
            public static create(properties?: kiln.v1.ILogAck): kiln.v1.LogAck;

            /**
             * Encodes the specified LogAck message. Does not implicitly {@link kiln.v1.LogAck.verify|verify} messages.
             * @param message LogAck message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: kiln.v1.ILogAck, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a LogAck message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns LogAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): kiln.v1.LogAck;

            /**
             * Creates a LogAck message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns LogAck
             */
            public static fromObject(object: { [k: string]: any }): kiln.v1.LogAck;

            /**
             * Creates a plain object from a LogAck message. Also converts values to other types if specified.
             * @param message LogAck
             * @param [options] Conversion options
             * @returns Plain object
             */
            public static toObject(message: kiln.v1.LogAck, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this LogAck to JSON.
             * @returns JSON object
             */
            public toJSON(): { [k: string]: any };
        }
    }
}
