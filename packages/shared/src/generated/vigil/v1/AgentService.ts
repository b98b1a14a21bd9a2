// Original file: proto/vigil/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _vigil_v1_AgentMessage, AgentMessage__Output as _vigil_v1_AgentMessage__Output } from '../../vigil/v1/AgentMessage.js';
import type { CoordinatorMessage as _vigil_v1_CoordinatorMessage, CoordinatorMessage__Output as _vigil_v1_CoordinatorMessage__Output } from '../../vigil/v1/CoordinatorMessage.js';

export interface AgentServiceClient extends grpc.Client {
  /**
   * One bidirectional stream per agent for its whole connection. The agent opens with
   * Hello; the coordinator answers Welcome, then acks heartbeats by sequence number.
   */
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_vigil_v1_AgentMessage, _vigil_v1_CoordinatorMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_vigil_v1_AgentMessage, _vigil_v1_CoordinatorMessage__Output>;
  /**
   * One bidirectional stream per agent for its whole connection. The agent opens with
   * Hello; the coordinator answers Welcome, then acks heartbeats by sequence number.
   */
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_vigil_v1_AgentMessage, _vigil_v1_CoordinatorMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_vigil_v1_AgentMessage, _vigil_v1_CoordinatorMessage__Output>;
  
}

export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One bidirectional stream per agent for its whole connection. The agent opens with
   * Hello; the coordinator answers Welcome, then acks heartbeats by sequence number.
   */
  Connect: grpc.handleBidiStreamingCall<_vigil_v1_AgentMessage__Output, _vigil_v1_CoordinatorMessage>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_vigil_v1_AgentMessage, _vigil_v1_CoordinatorMessage, _vigil_v1_AgentMessage__Output, _vigil_v1_CoordinatorMessage__Output>
}
