/**
 * @file cimjob/cim_error.h
 * @brief CIM_Error (2.22.1): the error record of a job, its value maps, libcimjob's message
 *        registry, GetErrors / GetError, and return codes as CIM status codes.
 *
 * A job keeps a list of errors, one record per condition: the end of a job in Exception, a
 * failed request on a live job, a Terminate escalated to a kill, a job ended by a client
 * request. cimjob_get_errors() returns them all (CIM_ConcreteJob.GetErrors) and
 * cimjob_get_error() the most relevant one (the deprecated GetError). A job that Completed
 * returns none, as the MOF says.
 *
 * Every value map is an X-macro table, `X(C name, number, DMTF name)`, that builds the enum and
 * the `_name()` function and that an agent can reuse to print a ValueMap. Every number is the
 * DMTF's own and is never renumbered. The message registry (cimjob_message) is libcimjob's own:
 * its MessageIDs are stable and listed in docs/cim-model.md.
 */
#ifndef CIMJOB_CIM_ERROR_H
#define CIMJOB_CIM_ERROR_H

#include "job.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @cond INTERNAL */
#define CIMJOB__ENUM_ITEM(e, n, name) e = n,
/** @endcond */

/** CIM_Error.ErrorType: the primary classification of the error. X(C name, value, DMTF name). */
#define CIMJOB_ERROR_TYPE_TABLE(X)                                                                 \
    X(CIMJOB_ERROR_TYPE_UNKNOWN, 0, "Unknown")                                                     \
    X(CIMJOB_ERROR_TYPE_OTHER, 1, "Other")                                                         \
    X(CIMJOB_ERROR_TYPE_COMMUNICATIONS, 2, "Communications Error")                                 \
    X(CIMJOB_ERROR_TYPE_QUALITY_OF_SERVICE, 3, "Quality of Service Error")                         \
    X(CIMJOB_ERROR_TYPE_SOFTWARE, 4, "Software Error")                                             \
    X(CIMJOB_ERROR_TYPE_HARDWARE, 5, "Hardware Error")                                             \
    X(CIMJOB_ERROR_TYPE_ENVIRONMENTAL, 6, "Environmental Error")                                   \
    X(CIMJOB_ERROR_TYPE_SECURITY, 7, "Security Error")                                             \
    X(CIMJOB_ERROR_TYPE_OVERSUBSCRIPTION, 8, "Oversubscription Error")                             \
    X(CIMJOB_ERROR_TYPE_UNAVAILABLE_RESOURCE, 9, "Unavailable Resource Error")                     \
    X(CIMJOB_ERROR_TYPE_UNSUPPORTED_OPERATION, 10, "Unsupported Operation Error")

/** CIM_Error.ErrorType values (see CIMJOB_ERROR_TYPE_TABLE); 11.. are DMTF Reserved. */
typedef enum cimjob_error_type { CIMJOB_ERROR_TYPE_TABLE(CIMJOB__ENUM_ITEM) } cimjob_error_type;

/** CIM_Error.PerceivedSeverity (ITU X.733). X(C name, value, DMTF name). */
#define CIMJOB_SEVERITY_TABLE(X)                                                                   \
    X(CIMJOB_SEVERITY_UNKNOWN, 0, "Unknown")                                                       \
    X(CIMJOB_SEVERITY_OTHER, 1, "Other")                                                           \
    X(CIMJOB_SEVERITY_INFORMATION, 2, "Information")                                               \
    X(CIMJOB_SEVERITY_DEGRADED_WARNING, 3, "Degraded/Warning")                                     \
    X(CIMJOB_SEVERITY_MINOR, 4, "Minor")                                                           \
    X(CIMJOB_SEVERITY_MAJOR, 5, "Major")                                                           \
    X(CIMJOB_SEVERITY_CRITICAL, 6, "Critical")                                                     \
    X(CIMJOB_SEVERITY_FATAL_NONRECOVERABLE, 7, "Fatal/NonRecoverable")

/** CIM_Error.PerceivedSeverity values (see CIMJOB_SEVERITY_TABLE); 8.. are DMTF Reserved. */
typedef enum cimjob_perceived_severity {
    CIMJOB_SEVERITY_TABLE(CIMJOB__ENUM_ITEM)
} cimjob_perceived_severity;

/** CIM_Error.ProbableCause (ITU X.733 / M.3100), all 131 values. X(C name, value, DMTF name). */
#define CIMJOB_PROBABLE_CAUSE_TABLE(X)                                                             \
    X(CIMJOB_CAUSE_UNKNOWN, 0, "Unknown")                                                          \
    X(CIMJOB_CAUSE_OTHER, 1, "Other")                                                              \
    X(CIMJOB_CAUSE_ADAPTER_CARD_ERROR, 2, "Adapter/Card Error")                                    \
    X(CIMJOB_CAUSE_APPLICATION_SUBSYSTEM_FAILURE, 3, "Application Subsystem Failure")              \
    X(CIMJOB_CAUSE_BANDWIDTH_REDUCED, 4, "Bandwidth Reduced")                                      \
    X(CIMJOB_CAUSE_CONNECTION_ESTABLISHMENT_ERROR, 5, "Connection Establishment Error")            \
    X(CIMJOB_CAUSE_COMMUNICATIONS_PROTOCOL_ERROR, 6, "Communications Protocol Error")              \
    X(CIMJOB_CAUSE_COMMUNICATIONS_SUBSYSTEM_FAILURE, 7, "Communications Subsystem Failure")        \
    X(CIMJOB_CAUSE_CONFIGURATION_CUSTOMIZATION_ERROR, 8, "Configuration/Customization Error")      \
    X(CIMJOB_CAUSE_CONGESTION, 9, "Congestion")                                                    \
    X(CIMJOB_CAUSE_CORRUPT_DATA, 10, "Corrupt Data")                                               \
    X(CIMJOB_CAUSE_CPU_CYCLES_LIMIT_EXCEEDED, 11, "CPU Cycles Limit Exceeded")                     \
    X(CIMJOB_CAUSE_DATASET_MODEM_ERROR, 12, "Dataset/Modem Error")                                 \
    X(CIMJOB_CAUSE_DEGRADED_SIGNAL, 13, "Degraded Signal")                                         \
    X(CIMJOB_CAUSE_DTE_DCE_INTERFACE_ERROR, 14, "DTE-DCE Interface Error")                         \
    X(CIMJOB_CAUSE_ENCLOSURE_DOOR_OPEN, 15, "Enclosure Door Open")                                 \
    X(CIMJOB_CAUSE_EQUIPMENT_MALFUNCTION, 16, "Equipment Malfunction")                             \
    X(CIMJOB_CAUSE_EXCESSIVE_VIBRATION, 17, "Excessive Vibration")                                 \
    X(CIMJOB_CAUSE_FILE_FORMAT_ERROR, 18, "File Format Error")                                     \
    X(CIMJOB_CAUSE_FIRE_DETECTED, 19, "Fire Detected")                                             \
    X(CIMJOB_CAUSE_FLOOD_DETECTED, 20, "Flood Detected")                                           \
    X(CIMJOB_CAUSE_FRAMING_ERROR, 21, "Framing Error")                                             \
    X(CIMJOB_CAUSE_HVAC_PROBLEM, 22, "HVAC Problem")                                               \
    X(CIMJOB_CAUSE_HUMIDITY_UNACCEPTABLE, 23, "Humidity Unacceptable")                             \
    X(CIMJOB_CAUSE_I_O_DEVICE_ERROR, 24, "I/O Device Error")                                       \
    X(CIMJOB_CAUSE_INPUT_DEVICE_ERROR, 25, "Input Device Error")                                   \
    X(CIMJOB_CAUSE_LAN_ERROR, 26, "LAN Error")                                                     \
    X(CIMJOB_CAUSE_NON_TOXIC_LEAK_DETECTED, 27, "Non-Toxic Leak Detected")                         \
    X(CIMJOB_CAUSE_LOCAL_NODE_TRANSMISSION_ERROR, 28, "Local Node Transmission Error")             \
    X(CIMJOB_CAUSE_LOSS_OF_FRAME, 29, "Loss of Frame")                                             \
    X(CIMJOB_CAUSE_LOSS_OF_SIGNAL, 30, "Loss of Signal")                                           \
    X(CIMJOB_CAUSE_MATERIAL_SUPPLY_EXHAUSTED, 31, "Material Supply Exhausted")                     \
    X(CIMJOB_CAUSE_MULTIPLEXER_PROBLEM, 32, "Multiplexer Problem")                                 \
    X(CIMJOB_CAUSE_OUT_OF_MEMORY, 33, "Out of Memory")                                             \
    X(CIMJOB_CAUSE_OUTPUT_DEVICE_ERROR, 34, "Output Device Error")                                 \
    X(CIMJOB_CAUSE_PERFORMANCE_DEGRADED, 35, "Performance Degraded")                               \
    X(CIMJOB_CAUSE_POWER_PROBLEM, 36, "Power Problem")                                             \
    X(CIMJOB_CAUSE_PRESSURE_UNACCEPTABLE, 37, "Pressure Unacceptable")                             \
    X(CIMJOB_CAUSE_PROCESSOR_PROBLEM_INTERNAL_MACHINE_ERROR, 38,                                   \
      "Processor Problem (Internal Machine Error)")                                                \
    X(CIMJOB_CAUSE_PUMP_FAILURE, 39, "Pump Failure")                                               \
    X(CIMJOB_CAUSE_QUEUE_SIZE_EXCEEDED, 40, "Queue Size Exceeded")                                 \
    X(CIMJOB_CAUSE_RECEIVE_FAILURE, 41, "Receive Failure")                                         \
    X(CIMJOB_CAUSE_RECEIVER_FAILURE, 42, "Receiver Failure")                                       \
    X(CIMJOB_CAUSE_REMOTE_NODE_TRANSMISSION_ERROR, 43, "Remote Node Transmission Error")           \
    X(CIMJOB_CAUSE_RESOURCE_AT_OR_NEARING_CAPACITY, 44, "Resource at or Nearing Capacity")         \
    X(CIMJOB_CAUSE_RESPONSE_TIME_EXCESSIVE, 45, "Response Time Excessive")                         \
    X(CIMJOB_CAUSE_RETRANSMISSION_RATE_EXCESSIVE, 46, "Retransmission Rate Excessive")             \
    X(CIMJOB_CAUSE_SOFTWARE_ERROR, 47, "Software Error")                                           \
    X(CIMJOB_CAUSE_SOFTWARE_PROGRAM_ABNORMALLY_TERMINATED, 48,                                     \
      "Software Program Abnormally Terminated")                                                    \
    X(CIMJOB_CAUSE_SOFTWARE_PROGRAM_ERROR_INCORRECT_RESULTS, 49,                                   \
      "Software Program Error (Incorrect Results)")                                                \
    X(CIMJOB_CAUSE_STORAGE_CAPACITY_PROBLEM, 50, "Storage Capacity Problem")                       \
    X(CIMJOB_CAUSE_TEMPERATURE_UNACCEPTABLE, 51, "Temperature Unacceptable")                       \
    X(CIMJOB_CAUSE_THRESHOLD_CROSSED, 52, "Threshold Crossed")                                     \
    X(CIMJOB_CAUSE_TIMING_PROBLEM, 53, "Timing Problem")                                           \
    X(CIMJOB_CAUSE_TOXIC_LEAK_DETECTED, 54, "Toxic Leak Detected")                                 \
    X(CIMJOB_CAUSE_TRANSMIT_FAILURE, 55, "Transmit Failure")                                       \
    X(CIMJOB_CAUSE_TRANSMITTER_FAILURE, 56, "Transmitter Failure")                                 \
    X(CIMJOB_CAUSE_UNDERLYING_RESOURCE_UNAVAILABLE, 57, "Underlying Resource Unavailable")         \
    X(CIMJOB_CAUSE_VERSION_MISMATCH, 58, "Version Mismatch")                                       \
    X(CIMJOB_CAUSE_PREVIOUS_ALERT_CLEARED, 59, "Previous Alert Cleared")                           \
    X(CIMJOB_CAUSE_LOGIN_ATTEMPTS_FAILED, 60, "Login Attempts Failed")                             \
    X(CIMJOB_CAUSE_SOFTWARE_VIRUS_DETECTED, 61, "Software Virus Detected")                         \
    X(CIMJOB_CAUSE_HARDWARE_SECURITY_BREACHED, 62, "Hardware Security Breached")                   \
    X(CIMJOB_CAUSE_DENIAL_OF_SERVICE_DETECTED, 63, "Denial of Service Detected")                   \
    X(CIMJOB_CAUSE_SECURITY_CREDENTIAL_MISMATCH, 64, "Security Credential Mismatch")               \
    X(CIMJOB_CAUSE_UNAUTHORIZED_ACCESS, 65, "Unauthorized Access")                                 \
    X(CIMJOB_CAUSE_ALARM_RECEIVED, 66, "Alarm Received")                                           \
    X(CIMJOB_CAUSE_LOSS_OF_POINTER, 67, "Loss of Pointer")                                         \
    X(CIMJOB_CAUSE_PAYLOAD_MISMATCH, 68, "Payload Mismatch")                                       \
    X(CIMJOB_CAUSE_TRANSMISSION_ERROR, 69, "Transmission Error")                                   \
    X(CIMJOB_CAUSE_EXCESSIVE_ERROR_RATE, 70, "Excessive Error Rate")                               \
    X(CIMJOB_CAUSE_TRACE_PROBLEM, 71, "Trace Problem")                                             \
    X(CIMJOB_CAUSE_ELEMENT_UNAVAILABLE, 72, "Element Unavailable")                                 \
    X(CIMJOB_CAUSE_ELEMENT_MISSING, 73, "Element Missing")                                         \
    X(CIMJOB_CAUSE_LOSS_OF_MULTI_FRAME, 74, "Loss of Multi Frame")                                 \
    X(CIMJOB_CAUSE_BROADCAST_CHANNEL_FAILURE, 75, "Broadcast Channel Failure")                     \
    X(CIMJOB_CAUSE_INVALID_MESSAGE_RECEIVED, 76, "Invalid Message Received")                       \
    X(CIMJOB_CAUSE_ROUTING_FAILURE, 77, "Routing Failure")                                         \
    X(CIMJOB_CAUSE_BACKPLANE_FAILURE, 78, "Backplane Failure")                                     \
    X(CIMJOB_CAUSE_IDENTIFIER_DUPLICATION, 79, "Identifier Duplication")                           \
    X(CIMJOB_CAUSE_PROTECTION_PATH_FAILURE, 80, "Protection Path Failure")                         \
    X(CIMJOB_CAUSE_SYNC_LOSS_OR_MISMATCH, 81, "Sync Loss or Mismatch")                             \
    X(CIMJOB_CAUSE_TERMINAL_PROBLEM, 82, "Terminal Problem")                                       \
    X(CIMJOB_CAUSE_REAL_TIME_CLOCK_FAILURE, 83, "Real Time Clock Failure")                         \
    X(CIMJOB_CAUSE_ANTENNA_FAILURE, 84, "Antenna Failure")                                         \
    X(CIMJOB_CAUSE_BATTERY_CHARGING_FAILURE, 85, "Battery Charging Failure")                       \
    X(CIMJOB_CAUSE_DISK_FAILURE, 86, "Disk Failure")                                               \
    X(CIMJOB_CAUSE_FREQUENCY_HOPPING_FAILURE, 87, "Frequency Hopping Failure")                     \
    X(CIMJOB_CAUSE_LOSS_OF_REDUNDANCY, 88, "Loss of Redundancy")                                   \
    X(CIMJOB_CAUSE_POWER_SUPPLY_FAILURE, 89, "Power Supply Failure")                               \
    X(CIMJOB_CAUSE_SIGNAL_QUALITY_PROBLEM, 90, "Signal Quality Problem")                           \
    X(CIMJOB_CAUSE_BATTERY_DISCHARGING, 91, "Battery Discharging")                                 \
    X(CIMJOB_CAUSE_BATTERY_FAILURE, 92, "Battery Failure")                                         \
    X(CIMJOB_CAUSE_COMMERCIAL_POWER_PROBLEM, 93, "Commercial Power Problem")                       \
    X(CIMJOB_CAUSE_FAN_FAILURE, 94, "Fan Failure")                                                 \
    X(CIMJOB_CAUSE_ENGINE_FAILURE, 95, "Engine Failure")                                           \
    X(CIMJOB_CAUSE_SENSOR_FAILURE, 96, "Sensor Failure")                                           \
    X(CIMJOB_CAUSE_FUSE_FAILURE, 97, "Fuse Failure")                                               \
    X(CIMJOB_CAUSE_GENERATOR_FAILURE, 98, "Generator Failure")                                     \
    X(CIMJOB_CAUSE_LOW_BATTERY, 99, "Low Battery")                                                 \
    X(CIMJOB_CAUSE_LOW_FUEL, 100, "Low Fuel")                                                      \
    X(CIMJOB_CAUSE_LOW_WATER, 101, "Low Water")                                                    \
    X(CIMJOB_CAUSE_EXPLOSIVE_GAS, 102, "Explosive Gas")                                            \
    X(CIMJOB_CAUSE_HIGH_WINDS, 103, "High Winds")                                                  \
    X(CIMJOB_CAUSE_ICE_BUILDUP, 104, "Ice Buildup")                                                \
    X(CIMJOB_CAUSE_SMOKE, 105, "Smoke")                                                            \
    X(CIMJOB_CAUSE_MEMORY_MISMATCH, 106, "Memory Mismatch")                                        \
    X(CIMJOB_CAUSE_OUT_OF_CPU_CYCLES, 107, "Out of CPU Cycles")                                    \
    X(CIMJOB_CAUSE_SOFTWARE_ENVIRONMENT_PROBLEM, 108, "Software Environment Problem")              \
    X(CIMJOB_CAUSE_SOFTWARE_DOWNLOAD_FAILURE, 109, "Software Download Failure")                    \
    X(CIMJOB_CAUSE_ELEMENT_REINITIALIZED, 110, "Element Reinitialized")                            \
    X(CIMJOB_CAUSE_TIMEOUT, 111, "Timeout")                                                        \
    X(CIMJOB_CAUSE_LOGGING_PROBLEMS, 112, "Logging Problems")                                      \
    X(CIMJOB_CAUSE_LEAK_DETECTED, 113, "Leak Detected")                                            \
    X(CIMJOB_CAUSE_PROTECTION_MECHANISM_FAILURE, 114, "Protection Mechanism Failure")              \
    X(CIMJOB_CAUSE_PROTECTING_RESOURCE_FAILURE, 115, "Protecting Resource Failure")                \
    X(CIMJOB_CAUSE_DATABASE_INCONSISTENCY, 116, "Database Inconsistency")                          \
    X(CIMJOB_CAUSE_AUTHENTICATION_FAILURE, 117, "Authentication Failure")                          \
    X(CIMJOB_CAUSE_BREACH_OF_CONFIDENTIALITY, 118, "Breach of Confidentiality")                    \
    X(CIMJOB_CAUSE_CABLE_TAMPER, 119, "Cable Tamper")                                              \
    X(CIMJOB_CAUSE_DELAYED_INFORMATION, 120, "Delayed Information")                                \
    X(CIMJOB_CAUSE_DUPLICATE_INFORMATION, 121, "Duplicate Information")                            \
    X(CIMJOB_CAUSE_INFORMATION_MISSING, 122, "Information Missing")                                \
    X(CIMJOB_CAUSE_INFORMATION_MODIFICATION, 123, "Information Modification")                      \
    X(CIMJOB_CAUSE_INFORMATION_OUT_OF_SEQUENCE, 124, "Information Out of Sequence")                \
    X(CIMJOB_CAUSE_KEY_EXPIRED, 125, "Key Expired")                                                \
    X(CIMJOB_CAUSE_NON_REPUDIATION_FAILURE, 126, "Non-Repudiation Failure")                        \
    X(CIMJOB_CAUSE_OUT_OF_HOURS_ACTIVITY, 127, "Out of Hours Activity")                            \
    X(CIMJOB_CAUSE_OUT_OF_SERVICE, 128, "Out of Service")                                          \
    X(CIMJOB_CAUSE_PROCEDURAL_ERROR, 129, "Procedural Error")                                      \
    X(CIMJOB_CAUSE_UNEXPECTED_INFORMATION, 130, "Unexpected Information")

/** CIM_Error.ProbableCause values (see CIMJOB_PROBABLE_CAUSE_TABLE); 131.. are DMTF Reserved. */
typedef enum cimjob_probable_cause {
    CIMJOB_PROBABLE_CAUSE_TABLE(CIMJOB__ENUM_ITEM)
} cimjob_probable_cause;

/** CIM_Error.ErrorSourceFormat. X(C name, value, DMTF name). */
#define CIMJOB_ERROR_SOURCE_FORMAT_TABLE(X)                                                        \
    X(CIMJOB_ERROR_SOURCE_FORMAT_UNKNOWN, 0, "Unknown")                                            \
    X(CIMJOB_ERROR_SOURCE_FORMAT_OTHER, 1, "Other")                                                \
    X(CIMJOB_ERROR_SOURCE_FORMAT_CIM_OBJECT_PATH, 2, "CIMObjectPath")

/** CIM_Error.ErrorSourceFormat values (see CIMJOB_ERROR_SOURCE_FORMAT_TABLE). */
typedef enum cimjob_error_source_format {
    CIMJOB_ERROR_SOURCE_FORMAT_TABLE(CIMJOB__ENUM_ITEM)
} cimjob_error_source_format;

/**
 * CIM_Error.CIMStatusCode: the CIM status codes of DSP0200/DSP0201. X(C name, value, DMTF name).
 * 0 is not in the map: it is success (no error).
 */
#define CIMJOB_CIM_STATUS_TABLE(X)                                                                 \
    X(CIMJOB_CIM_ERR_FAILED, 1, "CIM_ERR_FAILED")                                                  \
    X(CIMJOB_CIM_ERR_ACCESS_DENIED, 2, "CIM_ERR_ACCESS_DENIED")                                    \
    X(CIMJOB_CIM_ERR_INVALID_NAMESPACE, 3, "CIM_ERR_INVALID_NAMESPACE")                            \
    X(CIMJOB_CIM_ERR_INVALID_PARAMETER, 4, "CIM_ERR_INVALID_PARAMETER")                            \
    X(CIMJOB_CIM_ERR_INVALID_CLASS, 5, "CIM_ERR_INVALID_CLASS")                                    \
    X(CIMJOB_CIM_ERR_NOT_FOUND, 6, "CIM_ERR_NOT_FOUND")                                            \
    X(CIMJOB_CIM_ERR_NOT_SUPPORTED, 7, "CIM_ERR_NOT_SUPPORTED")                                    \
    X(CIMJOB_CIM_ERR_CLASS_HAS_CHILDREN, 8, "CIM_ERR_CLASS_HAS_CHILDREN")                          \
    X(CIMJOB_CIM_ERR_CLASS_HAS_INSTANCES, 9, "CIM_ERR_CLASS_HAS_INSTANCES")                        \
    X(CIMJOB_CIM_ERR_INVALID_SUPERCLASS, 10, "CIM_ERR_INVALID_SUPERCLASS")                         \
    X(CIMJOB_CIM_ERR_ALREADY_EXISTS, 11, "CIM_ERR_ALREADY_EXISTS")                                 \
    X(CIMJOB_CIM_ERR_NO_SUCH_PROPERTY, 12, "CIM_ERR_NO_SUCH_PROPERTY")                             \
    X(CIMJOB_CIM_ERR_TYPE_MISMATCH, 13, "CIM_ERR_TYPE_MISMATCH")                                   \
    X(CIMJOB_CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED, 14, "CIM_ERR_QUERY_LANGUAGE_NOT_SUPPORTED")     \
    X(CIMJOB_CIM_ERR_INVALID_QUERY, 15, "CIM_ERR_INVALID_QUERY")                                   \
    X(CIMJOB_CIM_ERR_METHOD_NOT_AVAILABLE, 16, "CIM_ERR_METHOD_NOT_AVAILABLE")                     \
    X(CIMJOB_CIM_ERR_METHOD_NOT_FOUND, 17, "CIM_ERR_METHOD_NOT_FOUND")                             \
    X(CIMJOB_CIM_ERR_UNEXPECTED_RESPONSE, 18, "CIM_ERR_UNEXPECTED_RESPONSE")                       \
    X(CIMJOB_CIM_ERR_INVALID_RESPONSE_DESTINATION, 19, "CIM_ERR_INVALID_RESPONSE_DESTINATION")     \
    X(CIMJOB_CIM_ERR_NAMESPACE_NOT_EMPTY, 20, "CIM_ERR_NAMESPACE_NOT_EMPTY")                       \
    X(CIMJOB_CIM_ERR_INVALID_ENUMERATION_CONTEXT, 21, "CIM_ERR_INVALID_ENUMERATION_CONTEXT")       \
    X(CIMJOB_CIM_ERR_INVALID_OPERATION_TIMEOUT, 22, "CIM_ERR_INVALID_OPERATION_TIMEOUT")           \
    X(CIMJOB_CIM_ERR_PULL_HAS_BEEN_ABANDONED, 23, "CIM_ERR_PULL_HAS_BEEN_ABANDONED")               \
    X(CIMJOB_CIM_ERR_PULL_CANNOT_BE_ABANDONED, 24, "CIM_ERR_PULL_CANNOT_BE_ABANDONED")             \
    X(CIMJOB_CIM_ERR_FILTERED_ENUMERATION_NOT_SUPPORTED, 25,                                       \
      "CIM_ERR_FILTERED_ENUMERATION_NOT_SUPPORTED")                                                \
    X(CIMJOB_CIM_ERR_CONTINUATION_ON_ERROR_NOT_SUPPORTED, 26,                                      \
      "CIM_ERR_CONTINUATION_ON_ERROR_NOT_SUPPORTED")                                               \
    X(CIMJOB_CIM_ERR_SERVER_LIMITS_EXCEEDED, 27, "CIM_ERR_SERVER_LIMITS_EXCEEDED")                 \
    X(CIMJOB_CIM_ERR_SERVER_IS_SHUTTING_DOWN, 28, "CIM_ERR_SERVER_IS_SHUTTING_DOWN")               \
    X(CIMJOB_CIM_ERR_QUERY_FEATURE_NOT_SUPPORTED, 29, "CIM_ERR_QUERY_FEATURE_NOT_SUPPORTED")

/** CIM status codes (see CIMJOB_CIM_STATUS_TABLE); 30.. are DMTF Reserved. */
typedef enum cimjob_cim_status { CIMJOB_CIM_STATUS_TABLE(CIMJOB__ENUM_ITEM) } cimjob_cim_status;

/**
 * libcimjob's message registry: one stable MessageID per condition the library reports.
 * X(C name, number, key, MessageID, ErrorType, PerceivedSeverity, ProbableCause, CIMStatusCode,
 * message with %1..%4 for the MessageArguments, recommended action). The numbers and MessageIDs
 * are part of the ABI and never reused; docs/cim-model.md lists them.
 */
#define CIMJOB_MESSAGE_TABLE(X)                                                                    \
    X(CIMJOB_MSG_EXIT_STATUS, 1, "JobExitStatus", "CIMJOB0001", CIMJOB_ERROR_TYPE_SOFTWARE,        \
      CIMJOB_SEVERITY_MAJOR, CIMJOB_CAUSE_SOFTWARE_ERROR, CIMJOB_CIM_ERR_FAILED,                   \
      "The job's main process exited with status %1.",                                             \
      "See the job's own output for why it failed, then run it again.")                            \
    X(CIMJOB_MSG_KILLED_BY_SIGNAL, 2, "JobKilledBySignal", "CIMJOB0002",                           \
      CIMJOB_ERROR_TYPE_SOFTWARE, CIMJOB_SEVERITY_MAJOR,                                           \
      CIMJOB_CAUSE_SOFTWARE_PROGRAM_ABNORMALLY_TERMINATED, CIMJOB_CIM_ERR_FAILED,                  \
      "The job's main process was ended by signal %1 (%2).",                                       \
      "Find out what sent the signal or why the program crashed.")                                 \
    X(CIMJOB_MSG_COMMAND_NOT_FOUND, 3, "CommandNotFound", "CIMJOB0003",                            \
      CIMJOB_ERROR_TYPE_UNAVAILABLE_RESOURCE, CIMJOB_SEVERITY_MAJOR, CIMJOB_CAUSE_ELEMENT_MISSING, \
      CIMJOB_CIM_ERR_NOT_FOUND, "The command %1 was not found.",                                   \
      "Give the program's full path or fix the PATH of the job's environment.")                    \
    X(CIMJOB_MSG_COMMAND_NOT_EXECUTABLE, 4, "CommandNotExecutable", "CIMJOB0004",                  \
      CIMJOB_ERROR_TYPE_SOFTWARE, CIMJOB_SEVERITY_MAJOR,                                           \
      CIMJOB_CAUSE_CONFIGURATION_CUSTOMIZATION_ERROR, CIMJOB_CIM_ERR_FAILED,                       \
      "The command %1 could not be executed: %2.", "Check the program's permissions and format.")  \
    X(CIMJOB_MSG_SPAWN_FAILED, 5, "SpawnFailed", "CIMJOB0005", CIMJOB_ERROR_TYPE_SOFTWARE,         \
      CIMJOB_SEVERITY_MAJOR, CIMJOB_CAUSE_SOFTWARE_ENVIRONMENT_PROBLEM, CIMJOB_CIM_ERR_FAILED,     \
      "The job could not be started: %1.",                                                         \
      "Check the job's working directory, standard streams and system limits.")                    \
    X(CIMJOB_MSG_TERMINATE_ESCALATED, 6, "TerminateEscalated", "CIMJOB0006",                       \
      CIMJOB_ERROR_TYPE_QUALITY_OF_SERVICE, CIMJOB_SEVERITY_DEGRADED_WARNING,                      \
      CIMJOB_CAUSE_TIMEOUT, CIMJOB_CIM_ERR_FAILED,                                                 \
      "The job did not end within %1 of a Terminate request and was killed.",                      \
      "Give Terminate a longer TimeoutPeriod, or make the job end on SIGTERM.")                    \
    X(CIMJOB_MSG_REQUEST_FAILED, 7, "RequestFailed", "CIMJOB0007", CIMJOB_ERROR_TYPE_SOFTWARE,     \
      CIMJOB_SEVERITY_MINOR, CIMJOB_CAUSE_SOFTWARE_ERROR, CIMJOB_CIM_ERR_FAILED,                   \
      "RequestStateChange(%1) failed with %2 (%3): %4.",                                           \
      "Query the job's state and try the request again.")                                          \
    X(CIMJOB_MSG_CONTAINMENT_UNAVAILABLE, 8, "ContainmentUnavailable", "CIMJOB0008",               \
      CIMJOB_ERROR_TYPE_UNSUPPORTED_OPERATION, CIMJOB_SEVERITY_MAJOR,                              \
      CIMJOB_CAUSE_UNDERLYING_RESOURCE_UNAVAILABLE, CIMJOB_CIM_ERR_NOT_SUPPORTED,                  \
      "The containment %1 is not available: %2.",                                                  \
      "Use the automatic containment, or enable the missing kernel feature.")                      \
    X(CIMJOB_MSG_JOB_FAILED, 9, "JobFailed", "CIMJOB0009", CIMJOB_ERROR_TYPE_SOFTWARE,             \
      CIMJOB_SEVERITY_MAJOR, CIMJOB_CAUSE_SOFTWARE_ERROR, CIMJOB_CIM_ERR_FAILED,                   \
      "The job failed with ErrorCode %1: %2.", "See ErrorDescription and the job's backend.")      \
    X(CIMJOB_MSG_KILL_NOT_CONFIRMED, 10, "KillNotConfirmed", "CIMJOB0010",                         \
      CIMJOB_ERROR_TYPE_SOFTWARE, CIMJOB_SEVERITY_MAJOR, CIMJOB_CAUSE_TIMEOUT,                     \
      CIMJOB_CIM_ERR_FAILED,                                                                       \
      "The job's processes could not be confirmed gone within %1 of a Kill request.",              \
      "The kill is repeated; look for processes stuck in the kernel (state D).")                   \
    X(CIMJOB_MSG_REQUEST_TIMEOUT, 11, "RequestTimeout", "CIMJOB0011",                              \
      CIMJOB_ERROR_TYPE_QUALITY_OF_SERVICE, CIMJOB_SEVERITY_MINOR, CIMJOB_CAUSE_TIMEOUT,           \
      CIMJOB_CIM_ERR_FAILED, "RequestStateChange(%1) did not complete within %2.",                 \
      "Wait for the job's state to change, or ask for a Kill.")                                    \
    X(CIMJOB_MSG_TIMEOUT_NOT_SUPPORTED, 12, "TimeoutNotSupported", "CIMJOB0012",                   \
      CIMJOB_ERROR_TYPE_UNSUPPORTED_OPERATION, CIMJOB_SEVERITY_MINOR, CIMJOB_CAUSE_OTHER,          \
      CIMJOB_CIM_ERR_NOT_SUPPORTED, "RequestStateChange(%1) cannot honour a TimeoutPeriod of %2.", \
      "Repeat the request without a TimeoutPeriod.")                                               \
    X(CIMJOB_MSG_TERMINATED_BY_REQUEST, 13, "JobTerminatedByRequest", "CIMJOB0013",                \
      CIMJOB_ERROR_TYPE_OTHER, CIMJOB_SEVERITY_INFORMATION, CIMJOB_CAUSE_OTHER,                    \
      CIMJOB_CIM_ERR_FAILED, "The job was terminated by a client request.",                        \
      "None: start a new job to run the work again.")                                              \
    X(CIMJOB_MSG_KILLED_BY_REQUEST, 14, "JobKilledByRequest", "CIMJOB0014",                        \
      CIMJOB_ERROR_TYPE_OTHER, CIMJOB_SEVERITY_INFORMATION, CIMJOB_CAUSE_OTHER,                    \
      CIMJOB_CIM_ERR_FAILED, "The job was killed by a client request.",                            \
      "None: start a new job to run the work again.")                                              \
    X(CIMJOB_MSG_UNTIL_TIME_PASSED, 15, "UntilTimePassed", "CIMJOB0015", CIMJOB_ERROR_TYPE_OTHER,  \
      CIMJOB_SEVERITY_INFORMATION, CIMJOB_CAUSE_TIMEOUT, CIMJOB_CIM_ERR_FAILED,                    \
      "The job was ended because its UntilTime %1 passed.",                                        \
      "Move UntilTime later to let the job run longer.")

/** @cond INTERNAL */
#define CIMJOB__MSG_ENUM_ITEM(e, n, key, id, type, sev, cause, cim, text, action) e = n,
/** @endcond */

/** libcimjob's messages (see CIMJOB_MESSAGE_TABLE); cimjob_error::message_number. */
typedef enum cimjob_message { CIMJOB_MESSAGE_TABLE(CIMJOB__MSG_ENUM_ITEM) } cimjob_message;

/** The OwningEntity of every libcimjob message. */
#define CIMJOB_OWNING_ENTITY "libcimjob"

/** How many MessageArguments a record holds at most. */
#define CIMJOB_ERROR_ARGS_MAX 4
/** Longest MessageArgument, in bytes (cut at a UTF-8 character boundary). */
#define CIMJOB_ERROR_ARG_MAX 255

/** The version of cimjob_error this header describes. */
#define CIMJOB_ERROR_VERSION 1

/**
 * One CIM_Error instance. Filled by cimjob_get_error() and cimjob_get_errors(); every string is
 * UTF-8 and "" stands for NULL.
 */
typedef struct cimjob_error {
    unsigned int version;              /**< CIMJOB_ERROR_VERSION. */
    uint16_t error_type;               /**< ErrorType (cimjob_error_type). */
    char other_error_type[64];         /**< OtherErrorType, when ErrorType is 1 (Other). */
    char owning_entity[64];            /**< OwningEntity: CIMJOB_OWNING_ENTITY. */
    char message_id[16];               /**< MessageID (required): "CIMJOB0001"... */
    char message[CIMJOB_TEXT_MAX + 1]; /**< Message: the registry's text with the arguments. */
    /** MessageArguments, in order (%1 is the first). */
    char message_arguments[CIMJOB_ERROR_ARGS_MAX][CIMJOB_ERROR_ARG_MAX + 1];
    unsigned int message_argument_count;   /**< How many message_arguments are set. */
    uint16_t perceived_severity;           /**< PerceivedSeverity (cimjob_perceived_severity). */
    uint16_t probable_cause;               /**< ProbableCause (cimjob_probable_cause). */
    char probable_cause_description[128];  /**< ProbableCauseDescription. */
    char recommended_actions[1][256];      /**< RecommendedActions (at most one here). */
    unsigned int recommended_action_count; /**< How many recommended_actions are set. */
    /** ErrorSource: the job as a CIM object path, `CIM_ConcreteJob.InstanceID="<id>"`. */
    char error_source[2 * CIMJOB_INSTANCE_ID_MAX + 32];
    uint16_t error_source_format;         /**< ErrorSourceFormat: 2 (CIMObjectPath). */
    char other_error_source_format[32];   /**< OtherErrorSourceFormat ("" unless format is 1). */
    uint32_t cim_status_code;             /**< CIMStatusCode (cimjob_cim_status). */
    char cim_status_code_description[64]; /**< CIMStatusCodeDescription: its DMTF name. */
    /* libcimjob's own, beyond CIM: */
    cimjob_message message_number; /**< The registry entry (cimjob_message). */
    int64_t time_us;               /**< When the condition was recorded, us since the epoch, UTC. */
    /** The number the condition carried: an ErrorCode, or the request's return code. */
    uint32_t code;
} cimjob_error;

/** Static initialiser for cimjob_error (sets the version; the library fills the rest). */
#ifdef __cplusplus
#define CIMJOB_ERROR_INIT                                                                          \
    {                                                                                              \
        CIMJOB_ERROR_VERSION, 0, {0}, {0}, {0}, {0}, {{0}}, 0, 0, 0, {0}, {{0}}, 0, {0}, 0, {0},   \
            0, {0}, CIMJOB_MSG_EXIT_STATUS, 0, 0                                                   \
    }
#else
#define CIMJOB_ERROR_INIT                                                                          \
    {                                                                                              \
        .version = CIMJOB_ERROR_VERSION                                                            \
    }
#endif

/**
 * GetErrors: every error recorded for the job, oldest first.
 *
 * A job keeps its errors until it is removed; a recurring job's list starts afresh at each run.
 * A job whose JobState is Completed returns none (its OperationalStatus is Completed, OK).
 *
 * @param job     the job.
 * @param version CIMJOB_ERROR_VERSION: the layout of the records to return.
 * @param errors  receives an array of @p count records (NULL when there are none); free it with
 *                cimjob_errors_free().
 * @param count   receives the number of records.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_INVALID_VERSION (@p version unknown); CIMJOB_RC_NOT_FOUND (the job was
 *         removed); CIMJOB_RC_NO_MEMORY.
 */
CIMJOB_EXTERN cimjob_rc cimjob_get_errors(cimjob_job *job, unsigned int version,
                                          cimjob_error **errors, size_t *count);

/** Free an array from cimjob_get_errors(). NULL is a no-op. */
CIMJOB_EXTERN void cimjob_errors_free(cimjob_error *errors);

/**
 * GetError (deprecated in CIM for GetErrors): the most relevant error of the job — the one that
 * ended it (Exception, or a Terminate or Kill request), else the most severe recent one.
 *
 * @param job   the job.
 * @param error receives the record; its version must be set (CIMJOB_ERROR_INIT).
 * @param found receives 1 when @p error was filled, 0 when the job has no error (it is running
 *              without trouble, or Completed): CIM's null.
 * @return CIMJOB_RC_SUCCESS; CIMJOB_RC_INVALID_PARAMETER (NULL argument);
 *         CIMJOB_RC_INVALID_VERSION (@p error->version unknown); CIMJOB_RC_NOT_FOUND (removed).
 */
CIMJOB_EXTERN cimjob_rc cimjob_get_error(cimjob_job *job, cimjob_error *error, int *found);

/**
 * The DMTF name of an ErrorType.
 *
 * @return a static string, never NULL: "DMTF Reserved" for 11..65535, "Invalid" outside uint16.
 */
CIMJOB_EXTERN const char *cimjob_error_type_name(int value);

/**
 * The DMTF name of a PerceivedSeverity.
 *
 * @return a static string, never NULL: "DMTF Reserved" for 8..65535, "Invalid" outside uint16.
 */
CIMJOB_EXTERN const char *cimjob_perceived_severity_name(int value);

/**
 * The DMTF name of a ProbableCause.
 *
 * @return a static string, never NULL: "DMTF Reserved" for 131..65535, "Invalid" outside uint16.
 */
CIMJOB_EXTERN const char *cimjob_probable_cause_name(int value);

/**
 * The DMTF name of an ErrorSourceFormat.
 *
 * @return a static string, never NULL: "DMTF Reserved" for 3..65535, "Invalid" outside uint16.
 */
CIMJOB_EXTERN const char *cimjob_error_source_format_name(int value);

/**
 * The DMTF name of a CIM status code ("CIM_ERR_NOT_FOUND").
 *
 * @return a static string, never NULL: "CIM_ERR_SUCCESS" for 0 (not an error), "DMTF Reserved"
 *         for 30 and above, "Invalid" for negative values.
 */
CIMJOB_EXTERN const char *cimjob_cim_status_name(long long value);

/**
 * The CIM status code (CIM_ERR_*) that matches a libcimjob return code, for a CIMOM that
 * answers an intrinsic operation (GetInstance, DeleteInstance, ModifyInstance) with it.
 *
 * The numbers of cimjob_rc and of CIM status codes collide and must never be passed through by
 * value: CIMJOB_RC_ACCESS_DENIED is 6 but CIM_ERR_NOT_FOUND is 6, CIMJOB_RC_NOT_FOUND is 7 but
 * CIM_ERR_NOT_SUPPORTED is 7.
 *
 * Note also that libcimjob's vendor codes 32768..32779 are its own: they are not the codes of
 * Hyper-V's Msvm_ConcreteJob.GetError / ErrorCode, which reuse the same vendor range with other
 * meanings. A client that talks to both must look at OwningEntity / the class, never the number.
 *
 * @param rc a cimjob_rc (any int).
 * @return 0 for CIMJOB_RC_SUCCESS; CIMJOB_CIM_ERR_NOT_SUPPORTED for Not Supported and No
 *         Backend; CIMJOB_CIM_ERR_ACCESS_DENIED; CIMJOB_CIM_ERR_NOT_FOUND;
 *         CIMJOB_CIM_ERR_INVALID_PARAMETER for Invalid Parameter, Invalid Version, Invalid
 *         Datetime and Invalid UTF-8; CIMJOB_CIM_ERR_ALREADY_EXISTS for Exists;
 *         CIMJOB_CIM_ERR_SERVER_LIMITS_EXCEEDED for Out of Memory; CIMJOB_CIM_ERR_FAILED for
 *         everything else.
 */
CIMJOB_EXTERN uint32_t cimjob_rc_to_cim_status(int rc);

/**
 * The MessageID of a registry message ("CIMJOB0007").
 *
 * @return a static string; "" for a number that is not in the registry. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_message_id(int message);

/**
 * The key of a registry message ("RequestFailed"), for registries that name messages (Redfish).
 *
 * @return a static string; "" for a number that is not in the registry. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_message_key(int message);

/**
 * The text of a registry message with its placeholders (%1..%4).
 *
 * @return a static string; "" for a number that is not in the registry. Never NULL.
 */
CIMJOB_EXTERN const char *cimjob_message_format(int message);

#ifdef __cplusplus
}
#endif

#endif /* CIMJOB_CIM_ERROR_H */
