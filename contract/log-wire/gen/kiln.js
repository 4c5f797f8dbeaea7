/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const kiln = $root.kiln = (() => {

    /**
     * Namespace kiln.
     * @exports kiln
     * @namespace
     */
    const kiln = {};

    kiln.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof kiln
         * @namespace
         */
        const v1 = {};

        /**
         * Stream enum.
         * @name kiln.v1.Stream
         * @enum {number}
         * @property {number} STDOUT=0 STDOUT value
         * @property {number} STDERR=1 STDERR value
         */
        v1.Stream = (function() {
            const valuesById = {}, values = Object.create(valuesById);
            values[valuesById[0] = "STDOUT"] = 0;
            values[valuesById[1] = "STDERR"] = 1;
            return values;
        })();

        v1.LogLine = (function() {

            /**
             * Properties of a LogLine.
             * @memberof kiln.v1
             * @interface ILogLine
             * @property {number|null} [seq] LogLine seq
             * @property {kiln.v1.Stream|null} [stream] LogLine stream
             * @property {number|null} [timeMs] LogLine timeMs
             * @property {Uint8Array|null} [data] LogLine data
             */

            /**
             * Constructs a new LogLine.
             * @memberof kiln.v1
             * @classdesc Represents a LogLine.
             * @implements ILogLine
             * @constructor
             * @param {kiln.v1.ILogLine=} [properties] Properties to set
             */
            function LogLine(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * LogLine seq.
             * @member {number} seq
             * @memberof kiln.v1.LogLine
             * @instance
             */
            LogLine.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * LogLine stream.
             * @member {kiln.v1.Stream} stream
             * @memberof kiln.v1.LogLine
             * @instance
             */
            LogLine.prototype.stream = 0;

            /**
             * LogLine timeMs.
             * @member {number} timeMs
             * @memberof kiln.v1.LogLine
             * @instance
             */
            LogLine.prototype.timeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * LogLine data.
             * @member {Uint8Array} data
             * @memberof kiln.v1.LogLine
             * @instance
             */
            LogLine.prototype.data = $util.newBuffer([]);

            /**
             * Creates a new LogLine instance using the specified properties.
             * @function create
             * @memberof kiln.v1.LogLine
             * @static
             * @param {kiln.v1.ILogLine=} [properties] Properties to set
             * @returns {kiln.v1.LogLine} LogLine instance
             */
            LogLine.create = function create(properties) {
                return new LogLine(properties);
            };

            /**
             * Encodes the specified LogLine message. Does not implicitly {@link kiln.v1.LogLine.verify|verify} messages.
             * @function encode
             * @memberof kiln.v1.LogLine
             * @static
             * @param {kiln.v1.ILogLine} message LogLine message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            LogLine.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.seq != null && Object.hasOwnProperty.call(message, "seq"))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.seq);
                if (message.stream != null && Object.hasOwnProperty.call(message, "stream"))
                    writer.uint32(/* id 2, wireType 0 =*/16).int32(message.stream);
                if (message.timeMs != null && Object.hasOwnProperty.call(message, "timeMs"))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.timeMs);
                if (message.data != null && Object.hasOwnProperty.call(message, "data"))
                    writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.data);
                return writer;
            };

            /**
             * Decodes a LogLine message from the specified reader or buffer.
             * @function decode
             * @memberof kiln.v1.LogLine
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {kiln.v1.LogLine} LogLine
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            LogLine.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.kiln.v1.LogLine();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.seq = reader.uint64();
                            break;
                        }
                    case 2: {
                            message.stream = reader.int32();
                            break;
                        }
                    case 3: {
                            message.timeMs = reader.uint64();
                            break;
                        }
                    case 4: {
                            message.data = reader.bytes();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Creates a LogLine message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof kiln.v1.LogLine
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {kiln.v1.LogLine} LogLine
             */
            LogLine.fromObject = function fromObject(object, long) {
                if (object instanceof $root.kiln.v1.LogLine)
                    return object;
                if (!$util.isObject(object))
                    throw TypeError(".kiln.v1.LogLine: object expected");
                if (long === undefined)
                    long = 0;
                if (long > $util.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let message = new $root.kiln.v1.LogLine();
                if (object.seq != null)
                    if ($util.Long)
                        message.seq = $util.Long.fromValue(object.seq, true);
                    else if (typeof object.seq === "string")
                        message.seq = parseInt(object.seq, 10);
                    else if (typeof object.seq === "number")
                        message.seq = object.seq;
                    else if (typeof object.seq === "object")
                        message.seq = new $util.LongBits(object.seq.low >>> 0, object.seq.high >>> 0).toNumber(true);
                switch (object.stream) {
                default:
                    if (typeof object.stream === "number") {
                        message.stream = object.stream;
                        break;
                    }
                    break;
                case "STDOUT":
                case 0:
                    message.stream = 0;
                    break;
                case "STDERR":
                case 1:
                    message.stream = 1;
                    break;
                }
                if (object.timeMs != null)
                    if ($util.Long)
                        message.timeMs = $util.Long.fromValue(object.timeMs, true);
                    else if (typeof object.timeMs === "string")
                        message.timeMs = parseInt(object.timeMs, 10);
                    else if (typeof object.timeMs === "number")
                        message.timeMs = object.timeMs;
                    else if (typeof object.timeMs === "object")
                        message.timeMs = new $util.LongBits(object.timeMs.low >>> 0, object.timeMs.high >>> 0).toNumber(true);
                if (object.data != null)
                    if (typeof object.data === "string")
                        $util.base64.decode(object.data, message.data = $util.newBuffer($util.base64.length(object.data)), 0);
                    else if (object.data.length >= 0)
                        message.data = object.data;
                return message;
            };

            /**
             * Creates a plain object from a LogLine message. Also converts values to other types if specified.
             * @function toObject
             * @memberof kiln.v1.LogLine
             * @static
             * @param {kiln.v1.LogLine} message LogLine
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            LogLine.toObject = function toObject(message, options, q) {
                if (!options)
                    options = {};
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.seq = options.longs === String ? long.toString() : options.longs === Number ? long.toNumber() : typeof BigInt !== "undefined" && options.longs === BigInt ? long.toBigInt() : long;
                    } else
                        object.seq = options.longs === String ? "0" : typeof BigInt !== "undefined" && options.longs === BigInt ? BigInt("0") : 0;
                    object.stream = options.enums === String ? "STDOUT" : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.timeMs = options.longs === String ? long.toString() : options.longs === Number ? long.toNumber() : typeof BigInt !== "undefined" && options.longs === BigInt ? long.toBigInt() : long;
                    } else
                        object.timeMs = options.longs === String ? "0" : typeof BigInt !== "undefined" && options.longs === BigInt ? BigInt("0") : 0;
                    if (options.bytes === String)
                        object.data = "";
                    else {
                        object.data = [];
                        if (options.bytes !== Array)
                            object.data = $util.newBuffer(object.data);
                    }
                }
                if (message.seq != null && Object.hasOwnProperty.call(message, "seq"))
                    if (typeof BigInt !== "undefined" && options.longs === BigInt)
                        object.seq = typeof message.seq === "number" ? BigInt(message.seq) : $util.Long.fromBits(message.seq.low >>> 0, message.seq.high >>> 0, true).toBigInt();
                    else if (typeof message.seq === "number")
                        object.seq = options.longs === String ? String(message.seq) : message.seq;
                    else
                        object.seq = options.longs === String ? $util.Long.prototype.toString.call(message.seq) : options.longs === Number ? new $util.LongBits(message.seq.low >>> 0, message.seq.high >>> 0).toNumber(true) : message.seq;
                if (message.stream != null && Object.hasOwnProperty.call(message, "stream"))
                    object.stream = options.enums === String ? $root.kiln.v1.Stream[message.stream] === undefined ? message.stream : $root.kiln.v1.Stream[message.stream] : message.stream;
                if (message.timeMs != null && Object.hasOwnProperty.call(message, "timeMs"))
                    if (typeof BigInt !== "undefined" && options.longs === BigInt)
                        object.timeMs = typeof message.timeMs === "number" ? BigInt(message.timeMs) : $util.Long.fromBits(message.timeMs.low >>> 0, message.timeMs.high >>> 0, true).toBigInt();
                    else if (typeof message.timeMs === "number")
                        object.timeMs = options.longs === String ? String(message.timeMs) : message.timeMs;
                    else
                        object.timeMs = options.longs === String ? $util.Long.prototype.toString.call(message.timeMs) : options.longs === Number ? new $util.LongBits(message.timeMs.low >>> 0, message.timeMs.high >>> 0).toNumber(true) : message.timeMs;
                if (message.data != null && Object.hasOwnProperty.call(message, "data"))
                    object.data = options.bytes === String ? $util.base64.encode(message.data, 0, message.data.length) : options.bytes === Array ? Array.prototype.slice.call(message.data) : message.data;
                return object;
            };

            /**
             * Converts this LogLine to JSON.
             * @function toJSON
             * @memberof kiln.v1.LogLine
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            LogLine.prototype.toJSON = function toJSON() {
                return this.constructor.toObject(this, $protobuf.util.toJSONOptions);
            };

            return LogLine;
        })();

        v1.StepLogs = (function() {

            /**
             * Properties of a StepLogs.
             * @memberof kiln.v1
             * @interface IStepLogs
             * @property {string|null} [step] StepLogs step
             * @property {number|null} [stepIndex] StepLogs stepIndex
             * @property {Array.<kiln.v1.ILogLine>|null} [lines] StepLogs lines
             * @property {boolean|null} [eof] StepLogs eof
             * @property {number|null} [firstSeq] StepLogs firstSeq
             * @property {Uint8Array|null} [packedData] StepLogs packedData
             * @property {Uint8Array|null} [packedMeta] StepLogs packedMeta
             * @property {Uint8Array|null} [packedLines] StepLogs packedLines
             */

            /**
             * Constructs a new StepLogs.
             * @memberof kiln.v1
             * @classdesc Represents a StepLogs.
             * @implements IStepLogs
             * @constructor
             * @param {kiln.v1.IStepLogs=} [properties] Properties to set
             */
            function StepLogs(properties) {
                this.lines = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * StepLogs step.
             * @member {string} step
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.step = "";

            /**
             * StepLogs stepIndex.
             * @member {number} stepIndex
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.stepIndex = 0;

            /**
             * StepLogs lines.
             * @member {Array.<kiln.v1.ILogLine>} lines
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.lines = $util.emptyArray;

            /**
             * StepLogs eof.
             * @member {boolean} eof
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.eof = false;

            /**
             * StepLogs firstSeq.
             * @member {number} firstSeq
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.firstSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * StepLogs packedData.
             * @member {Uint8Array} packedData
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.packedData = $util.newBuffer([]);

            /**
             * StepLogs packedMeta.
             * @member {Uint8Array} packedMeta
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.packedMeta = $util.newBuffer([]);

            /**
             * StepLogs packedLines.
             * @member {Uint8Array} packedLines
             * @memberof kiln.v1.StepLogs
             * @instance
             */
            StepLogs.prototype.packedLines = $util.newBuffer([]);

            /**
             * Creates a new StepLogs instance using the specified properties.
             * @function create
             * @memberof kiln.v1.StepLogs
             * @static
             * @param {kiln.v1.IStepLogs=} [properties] Properties to set
             * @returns {kiln.v1.StepLogs} StepLogs instance
             */
            StepLogs.create = function create(properties) {
                return new StepLogs(properties);
            };

            /**
             * Encodes the specified StepLogs message. Does not implicitly {@link kiln.v1.StepLogs.verify|verify} messages.
             * @function encode
             * @memberof kiln.v1.StepLogs
             * @static
             * @param {kiln.v1.IStepLogs} message StepLogs message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StepLogs.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.step != null && Object.hasOwnProperty.call(message, "step"))
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.step);
                if (message.stepIndex != null && Object.hasOwnProperty.call(message, "stepIndex"))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.stepIndex);
                if (message.lines != null && message.lines.length)
                    for (let i = 0; i < message.lines.length; ++i)
                        $root.kiln.v1.LogLine.encode(message.lines[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
                if (message.eof != null && Object.hasOwnProperty.call(message, "eof"))
                    writer.uint32(/* id 4, wireType 0 =*/32).bool(message.eof);
                if (message.firstSeq != null && Object.hasOwnProperty.call(message, "firstSeq"))
                    writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.firstSeq);
                if (message.packedData != null && Object.hasOwnProperty.call(message, "packedData"))
                    writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.packedData);
                if (message.packedMeta != null && Object.hasOwnProperty.call(message, "packedMeta"))
                    writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.packedMeta);
                if (message.packedLines != null && Object.hasOwnProperty.call(message, "packedLines"))
                    writer.uint32(/* id 8, wireType 2 =*/66).bytes(message.packedLines);
                return writer;
            };

            /**
             * Decodes a StepLogs message from the specified reader or buffer.
             * @function decode
             * @memberof kiln.v1.StepLogs
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {kiln.v1.StepLogs} StepLogs
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StepLogs.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.kiln.v1.StepLogs();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.step = reader.string();
                            break;
                        }
                    case 2: {
                            message.stepIndex = reader.uint32();
                            break;
                        }
                    case 3: {
                            if (!(message.lines && message.lines.length))
                                message.lines = [];
                            message.lines.push($root.kiln.v1.LogLine.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    case 4: {
                            message.eof = reader.bool();
                            break;
                        }
                    case 5: {
                            message.firstSeq = reader.uint64();
                            break;
                        }
                    case 6: {
                            message.packedData = reader.bytes();
                            break;
                        }
                    case 7: {
                            message.packedMeta = reader.bytes();
                            break;
                        }
                    case 8: {
                            message.packedLines = reader.bytes();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Creates a StepLogs message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof kiln.v1.StepLogs
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {kiln.v1.StepLogs} StepLogs
             */
            StepLogs.fromObject = function fromObject(object, long) {
                if (object instanceof $root.kiln.v1.StepLogs)
                    return object;
                if (!$util.isObject(object))
                    throw TypeError(".kiln.v1.StepLogs: object expected");
                if (long === undefined)
                    long = 0;
                if (long > $util.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let message = new $root.kiln.v1.StepLogs();
                if (object.step != null)
                    message.step = String(object.step);
                if (object.stepIndex != null)
                    message.stepIndex = object.stepIndex >>> 0;
                if (object.lines) {
                    if (!Array.isArray(object.lines))
                        throw TypeError(".kiln.v1.StepLogs.lines: array expected");
                    message.lines = [];
                    for (let i = 0; i < object.lines.length; ++i) {
                        if (!$util.isObject(object.lines[i]))
                            throw TypeError(".kiln.v1.StepLogs.lines: object expected");
                        message.lines[i] = $root.kiln.v1.LogLine.fromObject(object.lines[i], long + 1);
                    }
                }
                if (object.eof != null)
                    message.eof = Boolean(object.eof);
                if (object.firstSeq != null)
                    if ($util.Long)
                        message.firstSeq = $util.Long.fromValue(object.firstSeq, true);
                    else if (typeof object.firstSeq === "string")
                        message.firstSeq = parseInt(object.firstSeq, 10);
                    else if (typeof object.firstSeq === "number")
                        message.firstSeq = object.firstSeq;
                    else if (typeof object.firstSeq === "object")
                        message.firstSeq = new $util.LongBits(object.firstSeq.low >>> 0, object.firstSeq.high >>> 0).toNumber(true);
                if (object.packedData != null)
                    if (typeof object.packedData === "string")
                        $util.base64.decode(object.packedData, message.packedData = $util.newBuffer($util.base64.length(object.packedData)), 0);
                    else if (object.packedData.length >= 0)
                        message.packedData = object.packedData;
                if (object.packedMeta != null)
                    if (typeof object.packedMeta === "string")
                        $util.base64.decode(object.packedMeta, message.packedMeta = $util.newBuffer($util.base64.length(object.packedMeta)), 0);
                    else if (object.packedMeta.length >= 0)
                        message.packedMeta = object.packedMeta;
                if (object.packedLines != null)
                    if (typeof object.packedLines === "string")
                        $util.base64.decode(object.packedLines, message.packedLines = $util.newBuffer($util.base64.length(object.packedLines)), 0);
                    else if (object.packedLines.length >= 0)
                        message.packedLines = object.packedLines;
                return message;
            };

            /**
             * Creates a plain object from a StepLogs message. Also converts values to other types if specified.
             * @function toObject
             * @memberof kiln.v1.StepLogs
             * @static
             * @param {kiln.v1.StepLogs} message StepLogs
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            StepLogs.toObject = function toObject(message, options, q) {
                if (!options)
                    options = {};
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.lines = [];
                if (options.defaults) {
                    object.step = "";
                    object.stepIndex = 0;
                    object.eof = false;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.firstSeq = options.longs === String ? long.toString() : options.longs === Number ? long.toNumber() : typeof BigInt !== "undefined" && options.longs === BigInt ? long.toBigInt() : long;
                    } else
                        object.firstSeq = options.longs === String ? "0" : typeof BigInt !== "undefined" && options.longs === BigInt ? BigInt("0") : 0;
                    if (options.bytes === String)
                        object.packedData = "";
                    else {
                        object.packedData = [];
                        if (options.bytes !== Array)
                            object.packedData = $util.newBuffer(object.packedData);
                    }
                    if (options.bytes === String)
                        object.packedMeta = "";
                    else {
                        object.packedMeta = [];
                        if (options.bytes !== Array)
                            object.packedMeta = $util.newBuffer(object.packedMeta);
                    }
                    if (options.bytes === String)
                        object.packedLines = "";
                    else {
                        object.packedLines = [];
                        if (options.bytes !== Array)
                            object.packedLines = $util.newBuffer(object.packedLines);
                    }
                }
                if (message.step != null && Object.hasOwnProperty.call(message, "step"))
                    object.step = message.step;
                if (message.stepIndex != null && Object.hasOwnProperty.call(message, "stepIndex"))
                    object.stepIndex = message.stepIndex;
                if (message.lines && message.lines.length) {
                    object.lines = [];
                    for (let j = 0; j < message.lines.length; ++j)
                        object.lines[j] = $root.kiln.v1.LogLine.toObject(message.lines[j], options, q + 1);
                }
                if (message.eof != null && Object.hasOwnProperty.call(message, "eof"))
                    object.eof = message.eof;
                if (message.firstSeq != null && Object.hasOwnProperty.call(message, "firstSeq"))
                    if (typeof BigInt !== "undefined" && options.longs === BigInt)
                        object.firstSeq = typeof message.firstSeq === "number" ? BigInt(message.firstSeq) : $util.Long.fromBits(message.firstSeq.low >>> 0, message.firstSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.firstSeq === "number")
                        object.firstSeq = options.longs === String ? String(message.firstSeq) : message.firstSeq;
                    else
                        object.firstSeq = options.longs === String ? $util.Long.prototype.toString.call(message.firstSeq) : options.longs === Number ? new $util.LongBits(message.firstSeq.low >>> 0, message.firstSeq.high >>> 0).toNumber(true) : message.firstSeq;
                if (message.packedData != null && Object.hasOwnProperty.call(message, "packedData"))
                    object.packedData = options.bytes === String ? $util.base64.encode(message.packedData, 0, message.packedData.length) : options.bytes === Array ? Array.prototype.slice.call(message.packedData) : message.packedData;
                if (message.packedMeta != null && Object.hasOwnProperty.call(message, "packedMeta"))
                    object.packedMeta = options.bytes === String ? $util.base64.encode(message.packedMeta, 0, message.packedMeta.length) : options.bytes === Array ? Array.prototype.slice.call(message.packedMeta) : message.packedMeta;
                if (message.packedLines != null && Object.hasOwnProperty.call(message, "packedLines"))
                    object.packedLines = options.bytes === String ? $util.base64.encode(message.packedLines, 0, message.packedLines.length) : options.bytes === Array ? Array.prototype.slice.call(message.packedLines) : message.packedLines;
                return object;
            };

            /**
             * Converts this StepLogs to JSON.
             * @function toJSON
             * @memberof kiln.v1.StepLogs
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            StepLogs.prototype.toJSON = function toJSON() {
                return this.constructor.toObject(this, $protobuf.util.toJSONOptions);
            };

            return StepLogs;
        })();

        v1.LogBatch = (function() {

            /**
             * Properties of a LogBatch.
             * @memberof kiln.v1
             * @interface ILogBatch
             * @property {string|null} [pipelineRun] LogBatch pipelineRun
             * @property {string|null} [taskRun] LogBatch taskRun
             * @property {Array.<kiln.v1.IStepLogs>|null} [steps] LogBatch steps
             */

            /**
             * Constructs a new LogBatch.
             * @memberof kiln.v1
             * @classdesc Represents a LogBatch.
             * @implements ILogBatch
             * @constructor
             * @param {kiln.v1.ILogBatch=} [properties] Properties to set
             */
            function LogBatch(properties) {
                this.steps = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * LogBatch pipelineRun.
             * @member {string} pipelineRun
             * @memberof kiln.v1.LogBatch
             * @instance
             */
            LogBatch.prototype.pipelineRun = "";

            /**
             * LogBatch taskRun.
             * @member {string} taskRun
             * @memberof kiln.v1.LogBatch
             * @instance
             */
            LogBatch.prototype.taskRun = "";

            /**
             * LogBatch steps.
             * @member {Array.<kiln.v1.IStepLogs>} steps
             * @memberof kiln.v1.LogBatch
             * @instance
             */
            LogBatch.prototype.steps = $util.emptyArray;

            /**
             * Creates a new LogBatch instance using the specified properties.
             * @function create
             * @memberof kiln.v1.LogBatch
             * @static
             * @param {kiln.v1.ILogBatch=} [properties] Properties to set
             * @returns {kiln.v1.LogBatch} LogBatch instance
             */
            LogBatch.create = function create(properties) {
                return new LogBatch(properties);
            };

            /**
             * Encodes the specified LogBatch message. Does not implicitly {@link kiln.v1.LogBatch.verify|verify} messages.
             * @function encode
             * @memberof kiln.v1.LogBatch
             * @static
             * @param {kiln.v1.ILogBatch} message LogBatch message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            LogBatch.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.pipelineRun != null && Object.hasOwnProperty.call(message, "pipelineRun"))
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.pipelineRun);
                if (message.taskRun != null && Object.hasOwnProperty.call(message, "taskRun"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.taskRun);
                if (message.steps != null && message.steps.length)
                    for (let i = 0; i < message.steps.length; ++i)
                        $root.kiln.v1.StepLogs.encode(message.steps[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a LogBatch message from the specified reader or buffer.
             * @function decode
             * @memberof kiln.v1.LogBatch
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {kiln.v1.LogBatch} LogBatch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            LogBatch.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.kiln.v1.LogBatch();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.pipelineRun = reader.string();
                            break;
                        }
                    case 2: {
                            message.taskRun = reader.string();
                            break;
                        }
                    case 3: {
                            if (!(message.steps && message.steps.length))
                                message.steps = [];
                            message.steps.push($root.kiln.v1.StepLogs.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Creates a LogBatch message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof kiln.v1.LogBatch
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {kiln.v1.LogBatch} LogBatch
             */
            LogBatch.fromObject = function fromObject(object, long) {
                if (object instanceof $root.kiln.v1.LogBatch)
                    return object;
                if (!$util.isObject(object))
                    throw TypeError(".kiln.v1.LogBatch: object expected");
                if (long === undefined)
                    long = 0;
                if (long > $util.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let message = new $root.kiln.v1.LogBatch();
                if (object.pipelineRun != null)
                    message.pipelineRun = String(object.pipelineRun);
                if (object.taskRun != null)
                    message.taskRun = String(object.taskRun);
                if (object.steps) {
                    if (!Array.isArray(object.steps))
                        throw TypeError(".kiln.v1.LogBatch.steps: array expected");
                    message.steps = [];
                    for (let i = 0; i < object.steps.length; ++i) {
                        if (!$util.isObject(object.steps[i]))
                            throw TypeError(".kiln.v1.LogBatch.steps: object expected");
                        message.steps[i] = $root.kiln.v1.StepLogs.fromObject(object.steps[i], long + 1);
                    }
                }
                return message;
            };

            /**
             * Creates a plain object from a LogBatch message. Also converts values to other types if specified.
             * @function toObject
             * @memberof kiln.v1.LogBatch
             * @static
             * @param {kiln.v1.LogBatch} message LogBatch
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            LogBatch.toObject = function toObject(message, options, q) {
                if (!options)
                    options = {};
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.steps = [];
                if (options.defaults) {
                    object.pipelineRun = "";
                    object.taskRun = "";
                }
                if (message.pipelineRun != null && Object.hasOwnProperty.call(message, "pipelineRun"))
                    object.pipelineRun = message.pipelineRun;
                if (message.taskRun != null && Object.hasOwnProperty.call(message, "taskRun"))
                    object.taskRun = message.taskRun;
                if (message.steps && message.steps.length) {
                    object.steps = [];
                    for (let j = 0; j < message.steps.length; ++j)
                        object.steps[j] = $root.kiln.v1.StepLogs.toObject(message.steps[j], options, q + 1);
                }
                return object;
            };

            /**
             * Converts this LogBatch to JSON.
             * @function toJSON
             * @memberof kiln.v1.LogBatch
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            LogBatch.prototype.toJSON = function toJSON() {
                return this.constructor.toObject(this, $protobuf.util.toJSONOptions);
            };

            return LogBatch;
        })();

        v1.StepAck = (function() {

            /**
             * Properties of a StepAck.
             * @memberof kiln.v1
             * @interface IStepAck
             * @property {string|null} [step] StepAck step
             * @property {number|null} [nextSeq] StepAck nextSeq
             */

            /**
             * Constructs a new StepAck.
             * @memberof kiln.v1
             * @classdesc Represents a StepAck.
             * @implements IStepAck
             * @constructor
             * @param {kiln.v1.IStepAck=} [properties] Properties to set
             */
            function StepAck(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * StepAck step.
             * @member {string} step
             * @memberof kiln.v1.StepAck
             * @instance
             */
            StepAck.prototype.step = "";

            /**
             * StepAck nextSeq.
             * @member {number} nextSeq
             * @memberof kiln.v1.StepAck
             * @instance
             */
            StepAck.prototype.nextSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new StepAck instance using the specified properties.
             * @function create
             * @memberof kiln.v1.StepAck
             * @static
             * @param {kiln.v1.IStepAck=} [properties] Properties to set
             * @returns {kiln.v1.StepAck} StepAck instance
             */
            StepAck.create = function create(properties) {
                return new StepAck(properties);
            };

            /**
             * Encodes the specified StepAck message. Does not implicitly {@link kiln.v1.StepAck.verify|verify} messages.
             * @function encode
             * @memberof kiln.v1.StepAck
             * @static
             * @param {kiln.v1.IStepAck} message StepAck message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StepAck.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.step != null && Object.hasOwnProperty.call(message, "step"))
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.step);
                if (message.nextSeq != null && Object.hasOwnProperty.call(message, "nextSeq"))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.nextSeq);
                return writer;
            };

            /**
             * Decodes a StepAck message from the specified reader or buffer.
             * @function decode
             * @memberof kiln.v1.StepAck
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {kiln.v1.StepAck} StepAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StepAck.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.kiln.v1.StepAck();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.step = reader.string();
                            break;
                        }
                    case 2: {
                            message.nextSeq = reader.uint64();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Creates a StepAck message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof kiln.v1.StepAck
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {kiln.v1.StepAck} StepAck
             */
            StepAck.fromObject = function fromObject(object, long) {
                if (object instanceof $root.kiln.v1.StepAck)
                    return object;
                if (!$util.isObject(object))
                    throw TypeError(".kiln.v1.StepAck: object expected");
                if (long === undefined)
                    long = 0;
                if (long > $util.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let message = new $root.kiln.v1.StepAck();
                if (object.step != null)
                    message.step = String(object.step);
                if (object.nextSeq != null)
                    if ($util.Long)
                        message.nextSeq = $util.Long.fromValue(object.nextSeq, true);
                    else if (typeof object.nextSeq === "string")
                        message.nextSeq = parseInt(object.nextSeq, 10);
                    else if (typeof object.nextSeq === "number")
                        message.nextSeq = object.nextSeq;
                    else if (typeof object.nextSeq === "object")
                        message.nextSeq = new $util.LongBits(object.nextSeq.low >>> 0, object.nextSeq.high >>> 0).toNumber(true);
                return message;
            };

            /**
             * Creates a plain object from a StepAck message. Also converts values to other types if specified.
             * @function toObject
             * @memberof kiln.v1.StepAck
             * @static
             * @param {kiln.v1.StepAck} message StepAck
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            StepAck.toObject = function toObject(message, options, q) {
                if (!options)
                    options = {};
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.step = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.nextSeq = options.longs === String ? long.toString() : options.longs === Number ? long.toNumber() : typeof BigInt !== "undefined" && options.longs === BigInt ? long.toBigInt() : long;
                    } else
                        object.nextSeq = options.longs === String ? "0" : typeof BigInt !== "undefined" && options.longs === BigInt ? BigInt("0") : 0;
                }
                if (message.step != null && Object.hasOwnProperty.call(message, "step"))
                    object.step = message.step;
                if (message.nextSeq != null && Object.hasOwnProperty.call(message, "nextSeq"))
                    if (typeof BigInt !== "undefined" && options.longs === BigInt)
                        object.nextSeq = typeof message.nextSeq === "number" ? BigInt(message.nextSeq) : $util.Long.fromBits(message.nextSeq.low >>> 0, message.nextSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.nextSeq === "number")
                        object.nextSeq = options.longs === String ? String(message.nextSeq) : message.nextSeq;
                    else
                        object.nextSeq = options.longs === String ? $util.Long.prototype.toString.call(message.nextSeq) : options.longs === Number ? new $util.LongBits(message.nextSeq.low >>> 0, message.nextSeq.high >>> 0).toNumber(true) : message.nextSeq;
                return object;
            };

            /**
             * Converts this StepAck to JSON.
             * @function toJSON
             * @memberof kiln.v1.StepAck
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            StepAck.prototype.toJSON = function toJSON() {
                return this.constructor.toObject(this, $protobuf.util.toJSONOptions);
            };

            return StepAck;
        })();

        v1.LogAck = (function() {

            /**
             * Properties of a LogAck.
             * @memberof kiln.v1
             * @interface ILogAck
             * @property {Array.<kiln.v1.IStepAck>|null} [steps] LogAck steps
             */

            /**
             * Constructs a new LogAck.
             * @memberof kiln.v1
             * @classdesc Represents a LogAck.
             * @implements ILogAck
             * @constructor
             * @param {kiln.v1.ILogAck=} [properties] Properties to set
             */
            function LogAck(properties) {
                this.steps = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * LogAck steps.
             * @member {Array.<kiln.v1.IStepAck>} steps
             * @memberof kiln.v1.LogAck
             * @instance
             */
            LogAck.prototype.steps = $util.emptyArray;

            /**
             * Creates a new LogAck instance using the specified properties.
             * @function create
             * @memberof kiln.v1.LogAck
             * @static
             * @param {kiln.v1.ILogAck=} [properties] Properties to set
             * @returns {kiln.v1.LogAck} LogAck instance
             */
            LogAck.create = function create(properties) {
                return new LogAck(properties);
            };

            /**
             * Encodes the specified LogAck message. Does not implicitly {@link kiln.v1.LogAck.verify|verify} messages.
             * @function encode
             * @memberof kiln.v1.LogAck
             * @static
             * @param {kiln.v1.ILogAck} message LogAck message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            LogAck.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.steps != null && message.steps.length)
                    for (let i = 0; i < message.steps.length; ++i)
                        $root.kiln.v1.StepAck.encode(message.steps[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a LogAck message from the specified reader or buffer.
             * @function decode
             * @memberof kiln.v1.LogAck
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {kiln.v1.LogAck} LogAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            LogAck.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.kiln.v1.LogAck();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.steps && message.steps.length))
                                message.steps = [];
                            message.steps.push($root.kiln.v1.StepAck.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Creates a LogAck message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof kiln.v1.LogAck
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {kiln.v1.LogAck} LogAck
             */
            LogAck.fromObject = function fromObject(object, long) {
                if (object instanceof $root.kiln.v1.LogAck)
                    return object;
                if (!$util.isObject(object))
                    throw TypeError(".kiln.v1.LogAck: object expected");
                if (long === undefined)
                    long = 0;
                if (long > $util.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let message = new $root.kiln.v1.LogAck();
                if (object.steps) {
                    if (!Array.isArray(object.steps))
                        throw TypeError(".kiln.v1.LogAck.steps: array expected");
                    message.steps = [];
                    for (let i = 0; i < object.steps.length; ++i) {
                        if (!$util.isObject(object.steps[i]))
                            throw TypeError(".kiln.v1.LogAck.steps: object expected");
                        message.steps[i] = $root.kiln.v1.StepAck.fromObject(object.steps[i], long + 1);
                    }
                }
                return message;
            };

            /**
             * Creates a plain object from a LogAck message. Also converts values to other types if specified.
             * @function toObject
             * @memberof kiln.v1.LogAck
             * @static
             * @param {kiln.v1.LogAck} message LogAck
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            LogAck.toObject = function toObject(message, options, q) {
                if (!options)
                    options = {};
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.steps = [];
                if (message.steps && message.steps.length) {
                    object.steps = [];
                    for (let j = 0; j < message.steps.length; ++j)
                        object.steps[j] = $root.kiln.v1.StepAck.toObject(message.steps[j], options, q + 1);
                }
                return object;
            };

            /**
             * Converts this LogAck to JSON.
             * @function toJSON
             * @memberof kiln.v1.LogAck
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            LogAck.prototype.toJSON = function toJSON() {
                return this.constructor.toObject(this, $protobuf.util.toJSONOptions);
            };

            return LogAck;
        })();

        return v1;
    })();

    return kiln;
})();

export { $root as default };
